package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

func init() {
	register("score", command{
		summary: "score contexts (JSON, one per line) with a bundle and print decisions",
		run:     runScore,
	})
}

// deciders maps a --runtime name to a constructor. native is always there;
// the wasm runtimes register themselves from their own files.
var deciders = map[string]func(bundleBytes []byte) (decider, error){
	"native": newNativeDecider,
}

// decider makes decisions and writes them as JSON lines.
type decider interface {
	decideJSON(c *shopper.Context, out []byte) ([]byte, error)
	close()
}

type nativeDecider struct{ s *scorer.Scorer }

func newNativeDecider(data []byte) (decider, error) {
	_, b, err := jsonform.LoadBundle(data)
	if err != nil {
		return nil, err
	}
	return &nativeDecider{s: scorer.New(b)}, nil
}

func (n *nativeDecider) decideJSON(c *shopper.Context, out []byte) ([]byte, error) {
	var d scorer.Decision
	n.s.Decide(c, &d)
	return jsonform.AppendDecision(out, n.s.Bundle(), &d), nil
}

func (n *nativeDecider) close() {}

func runScore(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bundlePath := fs.String("bundle", "", "bundle file: authoring JSON or binary (.esb)")
	runtime := fs.String("runtime", "native", "where to run the core: native, wazero, wasmtime")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: edgescore score --bundle B [--runtime native] < contexts.json\n\nReads one JSON context per line (or one JSON document) and prints one decision per line.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *bundlePath == "" {
		fs.Usage()
		return 2
	}
	data, err := os.ReadFile(*bundlePath)
	if err != nil {
		fmt.Fprintf(stderr, "edgescore score: %v\n", err)
		return 1
	}
	mk, ok := deciders[*runtime]
	if !ok {
		fmt.Fprintf(stderr, "edgescore score: unknown runtime %q\n", *runtime)
		return 2
	}
	d, err := mk(data)
	if err != nil {
		fmt.Fprintf(stderr, "edgescore score: bundle %s: %v\n", *bundlePath, err)
		return 1
	}
	defer d.close()

	in, err := io.ReadAll(io.LimitReader(stdin, 256<<20))
	if err != nil {
		fmt.Fprintf(stderr, "edgescore score: reading stdin: %v\n", err)
		return 1
	}
	docs := splitDocuments(in)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	var c shopper.Context
	var out []byte
	failed := 0
	for i, doc := range docs {
		if err := jsonform.ParseContext(doc, &c); err != nil {
			fmt.Fprintf(stderr, "edgescore score: context %d: %v\n", i+1, err)
			failed++
			continue
		}
		out, err = d.decideJSON(&c, out[:0])
		if err != nil {
			fmt.Fprintf(stderr, "edgescore score: context %d: %v\n", i+1, err)
			failed++
			continue
		}
		w.Write(out)
		w.WriteByte('\n')
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// splitDocuments accepts one JSON document (possibly spanning lines) or
// newline-delimited JSON.
func splitDocuments(in []byte) [][]byte {
	in = bytes.TrimSpace(in)
	if len(in) == 0 {
		return nil
	}
	lines := bytes.Split(in, []byte("\n"))
	var out [][]byte
	for _, l := range lines {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			out = append(out, l)
		}
	}
	// A pretty-printed single document: lines are not documents.
	if len(out) > 1 && !bytes.HasSuffix(out[0], []byte("}")) {
		return [][]byte{in}
	}
	return out
}
