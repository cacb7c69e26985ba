package ltv

import (
	"errors"
	"math"
	"testing"
)

func validParams() Params { return testParams(0.243, 4.414, 0.793, 2.426) }

func TestValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name  string
		mod   func(*Params)
		field string // "" = valid
	}{
		{"published CDNOW", func(*Params) {}, ""},
		{"a < 1 is fine", func(p *Params) { p.A = 0.3 }, ""},
		{"a = 1 is fine", func(p *Params) { p.A = 1 }, ""},
		{"a + b < 1 is fine", func(p *Params) { p.A, p.B = 0.3, 0.5 }, ""},
		{"no discounting", func(p *Params) { p.DiscountRate = 0 }, ""},
		{"rate 1", func(p *Params) { p.DiscountRate = 1 }, ""},
		{"one step", func(p *Params) { p.Steps = 1 }, ""},
		{"64 steps", func(p *Params) { p.Steps = 64 }, ""},
		{"r zero", func(p *Params) { p.R = 0 }, "r"},
		{"r NaN", func(p *Params) { p.R = nan }, "r"},
		{"alpha negative", func(p *Params) { p.Alpha = -1 }, "alpha"},
		{"alpha Inf", func(p *Params) { p.Alpha = inf }, "alpha"},
		{"a zero", func(p *Params) { p.A = 0 }, "a"},
		{"b negative", func(p *Params) { p.B = -2 }, "b"},
		{"p zero", func(p *Params) { p.P = 0 }, "p"},
		{"q = 1", func(p *Params) { p.Q = 1 }, "q"},
		{"q NaN", func(p *Params) { p.Q = nan }, "q"},
		{"gamma zero", func(p *Params) { p.Gamma = 0 }, "gamma"},
		{"period zero", func(p *Params) { p.PeriodDays = 0 }, "period_days"},
		{"horizon NaN", func(p *Params) { p.Horizon = nan }, "horizon"},
		{"horizon zero", func(p *Params) { p.Horizon = 0 }, "horizon"},
		{"steps zero", func(p *Params) { p.Steps = 0 }, "steps"},
		{"steps 65", func(p *Params) { p.Steps = 65 }, "steps"},
		{"rate negative", func(p *Params) { p.DiscountRate = -0.1 }, "discount_rate"},
		{"rate above 1", func(p *Params) { p.DiscountRate = 1.5 }, "discount_rate"},
		{"rate NaN", func(p *Params) { p.DiscountRate = nan }, "discount_rate"},
		{"margin zero", func(p *Params) { p.Margin = 0 }, "margin"},
		{"margin above 1", func(p *Params) { p.Margin = 1.2 }, "margin"},
		{"margin Inf", func(p *Params) { p.Margin = inf }, "margin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := validParams()
			c.mod(&p)
			err := p.Validate()
			_, nerr := New(p)
			if c.field == "" {
				if err != nil || nerr != nil {
					t.Fatalf("Validate = %v, New = %v; want nil", err, nerr)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("Validate = %v, want *FieldError for %q", err, c.field)
			}
			if fe.Error() != fe.Field+": "+fe.Msg {
				t.Errorf("Error() = %q", fe.Error())
			}
			if !errors.As(nerr, &fe) || fe.Field != c.field {
				t.Errorf("New error = %v, want field %q", nerr, c.field)
			}
		})
	}
}
