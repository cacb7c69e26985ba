package edge_test

import (
	"fmt"

	"github.com/edgescore/edgescore/host/edge"
	"github.com/edgescore/edgescore/module/shopper"
)

// Page patterns map the shop's URLs to the context's page type, category
// and SKU.
func ExampleParsePagePattern() {
	p, err := edge.ParsePagePattern("product=/p/{category}/{sku}")
	if err != nil {
		panic(err)
	}
	cat, sku, ok := p.Match("/p/shoes/BOOT-1")
	fmt.Println(p.Page, cat, sku, ok)
	_, _, ok = p.Match("/p/shoes")
	fmt.Println(ok)
	// Output:
	// product shoes BOOT-1 true
	// false
}

// The cart cookie is the shop's: lines of sku~category~qty~unit price.
func ExampleParseCart() {
	lines := edge.ParseCart("BOOT-1~shoes~1~89.90|SOCK-2~apparel~2~9.50|broken", nil)
	fmt.Println(len(lines), lines[1].SKU, lines[1].Qty*lines[1].UnitPrice)
	fmt.Println(edge.FormatCart([]shopper.CartLine{{SKU: "HAT-1", Category: "accessories", Qty: 1, UnitPrice: 25}}))
	// Output:
	// 2 SOCK-2 19
	// HAT-1~accessories~1~25.00
}

// The origin reports an order in a response header; the edge turns it into
// a conversion event and refreshes the shopper's profile cookie.
func ExampleParseOrder() {
	o, err := edge.ParseOrder("id=o-1042; revenue=120.50; margin=40.20; discount=12.05; items=shoes:89.90,apparel:30.60")
	fmt.Println(o.ID, o.Revenue, o.Margin, o.DiscountCost, len(o.Items), err)
	// Output:
	// o-1042 120.5 40.2 12.05 2 <nil>
}
