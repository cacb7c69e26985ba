package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/edgescore/edgescore/internal/strictjson"
	"github.com/edgescore/edgescore/module/bundle"
	"github.com/edgescore/edgescore/module/jsonform"
	"github.com/edgescore/edgescore/module/scorer"
	"github.com/edgescore/edgescore/module/shopper"
)

// runAssemble puts the trained models into the template and writes the
// reference bundle in both forms: the authoring JSON (XGBoost's saved model
// embedded verbatim) and the binary encoding of the same spec. The result
// must parse and compile; a summary of its decisions on the held-out
// contexts is printed.
func runAssemble() error {
	tmpl, err := os.ReadFile(templatePath)
	if err != nil {
		return err
	}
	var spec bundle.Spec
	if err := strictjson.Unmarshal(tmpl, &spec); err != nil {
		return fmt.Errorf("%s: %w", templatePath, err)
	}
	p := &spec.Propensity
	if p.Logistic == nil || p.GBDT == nil || spec.Clusters == nil {
		return errors.New(templatePath + ": needs propensity.logistic, propensity.gbdt and clusters to fill in")
	}

	xgbRaw, err := os.ReadFile(filepath.Join(outDir, "xgb.json"))
	if err != nil {
		return fmt.Errorf("%w (run train.py first)", err)
	}
	xgbRaw = bytes.TrimSpace(xgbRaw)
	var lr struct {
		Intercept float64            `json:"intercept"`
		Weights   map[string]float64 `json:"weights"`
	}
	if err := readJSON(filepath.Join(outDir, "logistic.json"), &lr); err != nil {
		return err
	}
	var km struct {
		Features  []string    `json:"features"`
		Mean      []float64   `json:"mean"`
		Scale     []float64   `json:"scale"`
		Centroids [][]float64 `json:"centroids"`
	}
	if err := readJSON(filepath.Join(outDir, "kmeans.json"), &km); err != nil {
		return err
	}
	if !slices.Equal(km.Features, spec.Clusters.Features) {
		return errors.New("kmeans.json was trained on other features than template.json's clusters.features: rerun train.py")
	}
	p.Logistic.Intercept, p.Logistic.Weights = lr.Intercept, lr.Weights
	spec.Clusters.Mean, spec.Clusters.Scale, spec.Clusters.Centroids = km.Mean, km.Scale, km.Centroids

	// encoding/json writes the nil model as null; the pretty printer puts
	// XGBoost's bytes there unchanged.
	p.GBDT.XGBoost = nil
	compact, err := json.Marshal(&spec)
	if err != nil {
		return err
	}
	root, err := parseJSON(compact)
	if err != nil {
		return err
	}
	slot := root.child("propensity").child("gbdt")
	for i, k := range slot.keys {
		if k == "xgboost" {
			slot.vals[i] = &jnode{kind: 'v', text: xgbRaw, raw: true}
		}
	}
	doc := prettyJSON(root)

	// The bundle as every consumer reads it.
	parsed, err := jsonform.ParseBundle(doc)
	if err != nil {
		return fmt.Errorf("assembled bundle: %w", err)
	}
	if !bytes.Equal(parsed.Propensity.GBDT.XGBoost, xgbRaw) {
		return errors.New("assembled bundle: the embedded XGBoost model is not verbatim")
	}
	b, err := bundle.Compile(parsed)
	if err != nil {
		return fmt.Errorf("assembled bundle: %w", err)
	}
	bin, err := bundle.Encode(parsed)
	if err != nil {
		return fmt.Errorf("encoding the bundle: %w", err)
	}
	if _, err := bundle.Load(bin); err != nil {
		return fmt.Errorf("the binary bundle does not load: %w", err)
	}
	if err := writeFile(bundleJSONPath, doc); err != nil {
		return err
	}
	if err := writeFile(bundleBinPath, bin); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes; %s: %d bytes\n", bundleJSONPath, len(doc), bundleBinPath, len(bin))
	return summarize(b, &spec)
}

// runEncode rewrites reference.esb from reference.bundle.json, for when the
// binary encoding changes (no Python needed).
func runEncode() error {
	doc, err := os.ReadFile(bundleJSONPath)
	if err != nil {
		return err
	}
	spec, err := jsonform.ParseBundle(doc)
	if err != nil {
		return fmt.Errorf("%s: %w", bundleJSONPath, err)
	}
	if _, err := bundle.Compile(spec); err != nil {
		return fmt.Errorf("%s: %w", bundleJSONPath, err)
	}
	bin, err := bundle.Encode(spec)
	if err != nil {
		return err
	}
	if _, err := bundle.Load(bin); err != nil {
		return fmt.Errorf("the binary bundle does not load: %w", err)
	}
	fmt.Printf("%s: %d bytes\n", bundleBinPath, len(bin))
	return writeFile(bundleBinPath, bin)
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w (run train.py first)", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// summarize prints the bundle's contents and how its decisions spread over
// the held-out contexts, to check that every tier, segment, cluster and
// offer is reachable.
func summarize(b *bundle.Bundle, s *bundle.Spec) error {
	pt := b.Parts().Trees
	fmt.Printf("bundle %s: %d features, %d trees of depth %d + logistic, %d tiers, %d clusters, %d segments, %d offers, %d stores, %d stock entries, %d variants\n",
		b.ID(), b.NumFeatures(), pt.NumTrees(), pt.Depth(), b.NumTiers(), b.NumClusters(), b.NumSegments(),
		b.NumActions()-1, len(s.Inventory.Stores), len(s.Inventory.Stock), b.NumVariants())
	lines, err := readLines(contextsPath)
	if err != nil {
		return err
	}
	sc := scorer.New(b)
	var c shopper.Context
	var d scorer.Decision
	tiers, clusters, segs, actions, variants := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var prop float64
	for i, line := range lines {
		if err := jsonform.ParseContext([]byte(line), &c); err != nil {
			return fmt.Errorf("%s:%d: %w", contextsPath, i+1, err)
		}
		sc.Decide(&c, &d)
		prop += d.Propensity
		tiers[b.TierName(d.Tier)]++
		clusters[b.ClusterName(d.Cluster)]++
		for k := 0; k < b.NumSegments(); k++ {
			if d.Segments&(1<<k) != 0 {
				segs[b.SegmentName(k)]++
			}
		}
		actions[b.ActionID(d.Action)]++
		variants[b.VariantName(d.Variant)]++
	}
	fmt.Printf("on %d held-out contexts: mean propensity %.3f\n", len(lines), prop/float64(len(lines)))
	show := func(what string, m map[string]int, all []string) {
		var parts []string
		for _, n := range all {
			parts = append(parts, fmt.Sprintf("%s %d", n, m[n]))
		}
		fmt.Printf("  %s: %s\n", what, strings.Join(parts, ", "))
	}
	var names []string
	for i := 0; i < b.NumTiers(); i++ {
		names = append(names, b.TierName(i))
	}
	show("tiers", tiers, names)
	names = nil
	for i := 0; i < b.NumClusters(); i++ {
		names = append(names, b.ClusterName(i))
	}
	show("clusters", clusters, names)
	names = nil
	for i := 0; i < b.NumSegments(); i++ {
		names = append(names, b.SegmentName(i))
	}
	show("segments", segs, names)
	names = nil
	for i := 0; i < b.NumActions(); i++ {
		names = append(names, b.ActionID(i))
	}
	show("actions", actions, names)
	names = nil
	for k := range variants {
		names = append(names, k)
	}
	sort.Strings(names)
	show("variants", variants, names)
	return nil
}
