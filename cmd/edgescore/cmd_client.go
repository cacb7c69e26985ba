package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/edgescore/edgescore/controlplane"
	"github.com/edgescore/edgescore/controlplane/client"
)

// The control plane's CLI client. Every command reads the server from
// -server or $EDGESCORE_SERVER and the token from -token, $EDGESCORE_TOKEN or
// -token-file, and prints the server's JSON answer.

func init() {
	register("push", command{summary: "upload a bundle to the control plane registry", run: runPush})
	register("rollout", command{summary: "show or change a group's rollout (canary, ramp, promote, rollback, kill)", run: runRollout})
	register("metrics", command{summary: "per bundle and variant metrics, or a challenger vs champion comparison", run: runMetrics})
	register("fleet", command{summary: "which edge runs which manifest, and how stale", run: runFleet})
	register("token", command{summary: "mint, list or revoke control plane API tokens", run: runToken})
}

type clientFlags struct {
	server, token, tokenFile *string
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	server := os.Getenv("EDGESCORE_SERVER")
	if server == "" {
		server = "http://127.0.0.1:8080"
	}
	return clientFlags{
		server:    fs.String("server", server, "control plane URL ($EDGESCORE_SERVER)"),
		token:     fs.String("token", os.Getenv("EDGESCORE_TOKEN"), "bearer token ($EDGESCORE_TOKEN)"),
		tokenFile: fs.String("token-file", "", "read the bearer token from this file (e.g. DATA/admin.token)"),
	}
}

func (f clientFlags) client() (*client.Client, error) {
	tok := *f.token
	if *f.tokenFile != "" {
		b, err := os.ReadFile(*f.tokenFile)
		if err != nil {
			return nil, err
		}
		tok = strings.TrimSpace(string(b))
	}
	if tok == "" {
		return nil, fmt.Errorf("no token: set -token, -token-file or $EDGESCORE_TOKEN")
	}
	return client.New(*f.server, tok), nil
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "edgescore %s: %v\n", cmd, err)
	return 1
}

// ---- push ----

func runPush(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: edgescore push -name N -version V [flags] bundle.json\n"+
			"       edgescore push -name N -version V [flags] -template template.json -xgboost model.json")
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	name := fs.String("name", "", "bundle name (required)")
	version := fs.String("version", "", "bundle version (required)")
	author := fs.String("author", "", "author (default: the token's name)")
	notes := fs.String("notes", "", "free-text notes")
	parent := fs.String("parent", "", "bundle this one derives from (digest, name@version or alias)")
	template := fs.String("template", "", "bundle template JSON whose propensity.gbdt the XGBoost model fills")
	xgb := fs.String("xgboost", "", "XGBoost JSON model (with -template)")
	alias := fs.String("alias", "", "also point this alias at the bundle (e.g. challenger)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	req := controlplane.UploadRequest{Name: *name, Version: *version, Author: *author, Notes: *notes, Parent: *parent}
	read := func(p string) (json.RawMessage, error) {
		b, err := os.ReadFile(p)
		if err == nil && !json.Valid(b) {
			err = fmt.Errorf("%s: not valid JSON", p)
		}
		return b, err
	}
	var err error
	switch {
	case fs.NArg() == 1 && *template == "" && *xgb == "":
		req.Bundle, err = read(fs.Arg(0))
	case fs.NArg() == 0 && *template != "" && *xgb != "":
		if req.Template, err = read(*template); err == nil {
			req.XGBoost, err = read(*xgb)
		}
	default:
		fs.Usage()
		return 2
	}
	if err != nil {
		return fail(stderr, "push", err)
	}
	c, err := cf.client()
	if err != nil {
		return fail(stderr, "push", err)
	}
	ctx := context.Background()
	m, created, err := c.Upload(ctx, req)
	if err != nil {
		return fail(stderr, "push", err)
	}
	if !created {
		fmt.Fprintln(stderr, "edgescore push: identical content was already stored; nothing changed")
	}
	if *alias != "" {
		if _, err := c.SetAlias(ctx, *alias, m.Digest); err != nil {
			return fail(stderr, "push", err)
		}
	}
	printJSON(stdout, m)
	return 0
}

// ---- rollout ----

const rolloutUsage = `usage: edgescore rollout <action> -group G [flags]

actions:
  status                         show the group's plan (all groups without -group)
  canary   -bundle REF -percent P   start a canary of REF at P% (new salt)
  ramp     -percent P             set the challenger's share now
  ramp     -steps T1=P1,T2=P2     schedule steps (RFC 3339 times)
  promote  [-bundle REF]          challenger (or REF) becomes champion for everyone
  rollback                        drop the challenger, or return to the previous champion
  kill | unkill                   kill switch: everyone gets "no offer"
  plan     -arms name=REF:P,...   set arms by hand
  audit    [-limit N]             list changes, newest first
`

func runRollout(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, rolloutUsage)
		return 2
	}
	action := args[0]
	fs := flag.NewFlagSet("rollout "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs)
	group := fs.String("group", "", "edge group")
	bundle := fs.String("bundle", "", "bundle reference: digest, name@version or alias")
	percent := fs.Float64("percent", -1, "share of shoppers, 0-100")
	steps := fs.String("steps", "", "scheduled ramp steps: TIME=PERCENT,...")
	arms := fs.String("arms", "", "arms for plan: name=REF:PERCENT,...")
	salt := fs.String("salt", "", "bucketing salt (canary, plan)")
	ifSeq := fs.Int64("if-sequence", -1, "refuse the change unless the group's sequence is this")
	limit := fs.Int("limit", 50, "audit entries")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	c, err := cf.client()
	if err != nil {
		return fail(stderr, "rollout", err)
	}
	var seq *uint64
	if *ifSeq >= 0 {
		s := uint64(*ifSeq)
		seq = &s
	}
	var pct *float64
	if *percent >= 0 {
		pct = percent
	}
	needGroup := func() bool {
		if *group == "" {
			fmt.Fprintln(stderr, "edgescore rollout "+action+": -group is required")
			return false
		}
		return true
	}
	ctx := context.Background()
	var out any
	switch action {
	case "status":
		if *group == "" {
			out, err = c.Rollouts(ctx)
		} else {
			out, err = c.Rollout(ctx, *group)
		}
	case "audit":
		out, err = c.Audit(ctx, *group, *limit)
	case "canary":
		if !needGroup() {
			return 2
		}
		out, err = c.Canary(ctx, *group, controlplane.CanaryRequest{Bundle: *bundle, Percent: pct, Salt: *salt, IfSequence: seq})
	case "ramp":
		if !needGroup() {
			return 2
		}
		req := controlplane.RampRequest{Percent: pct, IfSequence: seq}
		if *steps != "" {
			if req.Steps, err = parseSteps(*steps); err != nil {
				return fail(stderr, "rollout", err)
			}
		}
		out, err = c.Ramp(ctx, *group, req)
	case "promote":
		if !needGroup() {
			return 2
		}
		out, err = c.Promote(ctx, *group, controlplane.PromoteRequest{Bundle: *bundle, IfSequence: seq})
	case "rollback":
		if !needGroup() {
			return 2
		}
		out, err = c.Rollback(ctx, *group, controlplane.RollbackRequest{IfSequence: seq})
	case "kill", "unkill":
		if !needGroup() {
			return 2
		}
		on := action == "kill"
		out, err = c.Kill(ctx, *group, on)
	case "plan":
		if !needGroup() {
			return 2
		}
		req := controlplane.PlanRequest{Salt: *salt, IfSequence: seq}
		if req.Arms, err = parseArms(*arms); err != nil {
			return fail(stderr, "rollout", err)
		}
		out, err = c.SetPlan(ctx, *group, req)
	default:
		fmt.Fprintf(stderr, "edgescore rollout: unknown action %q\n\n%s", action, rolloutUsage)
		return 2
	}
	if err != nil {
		return fail(stderr, "rollout "+action, err)
	}
	printJSON(stdout, out)
	return 0
}

func parseSteps(s string) ([]controlplane.StepRequest, error) {
	var out []controlplane.StepRequest
	for _, part := range strings.Split(s, ",") {
		at, p, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("step %q: want TIME=PERCENT", part)
		}
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return nil, fmt.Errorf("step %q: %v", part, err)
		}
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, fmt.Errorf("step %q: %v", part, err)
		}
		out = append(out, controlplane.StepRequest{At: t, Percent: &f})
	}
	return out, nil
}

func parseArms(s string) ([]controlplane.ArmRequest, error) {
	var out []controlplane.ArmRequest
	for _, part := range strings.Split(s, ",") {
		name, rest, ok := strings.Cut(strings.TrimSpace(part), "=")
		ref, p, ok2 := strings.Cut(rest, ":")
		if !ok || !ok2 {
			return nil, fmt.Errorf("arm %q: want name=REF:PERCENT", part)
		}
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, fmt.Errorf("arm %q: %v", part, err)
		}
		out = append(out, controlplane.ArmRequest{Name: name, Bundle: ref, Percent: &f})
	}
	return out, nil
}

// ---- metrics ----

func runMetrics(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("metrics", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs)
	group := fs.String("group", "", "only decisions of this edge group")
	bundles := fs.String("bundle", "", "only these bundles (comma-separated references)")
	since := fs.String("since", "", "only decisions at or after this RFC 3339 time")
	until := fs.String("until", "", "only decisions before this RFC 3339 time")
	window := fs.Duration("window", 0, "attribution window (default: the server's)")
	compare := fs.Bool("compare", false, "compare the challenger against the champion")
	champion := fs.String("champion", "", "with -compare: champion bundle (default: the group's champion arm, else alias champion)")
	challenger := fs.String("challenger", "", "with -compare: challenger bundle (default: the group's challenger arm, else alias challenger)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var s, u time.Time
	var err error
	if *since != "" {
		if s, err = time.Parse(time.RFC3339, *since); err != nil {
			return fail(stderr, "metrics", err)
		}
	}
	if *until != "" {
		if u, err = time.Parse(time.RFC3339, *until); err != nil {
			return fail(stderr, "metrics", err)
		}
	}
	c, err := cf.client()
	if err != nil {
		return fail(stderr, "metrics", err)
	}
	ctx := context.Background()
	var out any
	if *compare {
		out, err = c.Compare(ctx, controlplane.CompareQuery{Group: *group, Champion: *champion, Challenger: *challenger,
			Since: s, Until: u, Window: *window})
	} else {
		out, err = c.Metrics(ctx, controlplane.MetricsQuery{Group: *group, Bundles: controlplane.ParseBundleList(*bundles),
			Since: s, Until: u, Window: *window})
	}
	if err != nil {
		return fail(stderr, "metrics", err)
	}
	printJSON(stdout, out)
	return 0
}

// ---- fleet ----

func runFleet(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs)
	group := fs.String("group", "", "only this edge group")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := cf.client()
	if err != nil {
		return fail(stderr, "fleet", err)
	}
	f, err := c.Fleet(context.Background(), *group)
	if err != nil {
		return fail(stderr, "fleet", err)
	}
	printJSON(stdout, f)
	return 0
}

// ---- token ----

func runToken(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	usage := "usage: edgescore token mint -name N -scopes edge,read | token list | token revoke -id ID"
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	action := args[0]
	fs := flag.NewFlagSet("token "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := addClientFlags(fs)
	name := fs.String("name", "", "token name (mint)")
	scopes := fs.String("scopes", "", "comma-separated scopes: admin, edge, read (mint)")
	id := fs.String("id", "", "token id (revoke)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	c, err := cf.client()
	if err != nil {
		return fail(stderr, "token", err)
	}
	ctx := context.Background()
	switch action {
	case "mint":
		var sc []controlplane.Scope
		for _, s := range strings.Split(*scopes, ",") {
			if s = strings.TrimSpace(s); s != "" {
				sc = append(sc, controlplane.Scope(s))
			}
		}
		secret, info, err := c.MintToken(ctx, *name, sc...)
		if err != nil {
			return fail(stderr, "token", err)
		}
		printJSON(stdout, map[string]any{"token": secret, "info": info})
	case "list":
		ts, err := c.Tokens(ctx)
		if err != nil {
			return fail(stderr, "token", err)
		}
		printJSON(stdout, ts)
	case "revoke":
		if err := c.RevokeToken(ctx, *id); err != nil {
			return fail(stderr, "token", err)
		}
		fmt.Fprintln(stdout, "revoked", *id)
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
	return 0
}
