// Command refbundle builds the project's reference bundle and the golden
// files that test the Go core against the real libraries (XGBoost and
// scikit-learn). It is run by build/refbundle/Makefile:
//
//	go run ./build/refbundle data       synthetic shoppers → training set,
//	                                    held-out contexts and their features
//	python3 build/refbundle/train.py    XGBoost, LogisticRegression, KMeans
//	                                    → models and golden outputs
//	go run ./build/refbundle assemble   template.json + models → the bundle
//	go run ./build/refbundle encode     reference.bundle.json → reference.esb
//	                                    only (after a change of the binary
//	                                    encoding; no Python needed)
//
// Everything is deterministic: the same sources reproduce the committed
// files byte for byte. See README.md in this directory for the data
// generating process and the file formats.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Paths, relative to the repository root.
const (
	templatePath   = "build/refbundle/template.json"
	trainPath      = "build/refbundle/data/train.csv.gz"
	outDir         = "build/refbundle/out"
	contextsPath   = "module/testdata/contexts.ndjson"
	featuresPath   = "module/testdata/contexts.features.csv"
	bundleJSONPath = "module/testdata/reference.bundle.json"
	bundleBinPath  = "module/testdata/reference.esb"
)

// Sizes and seeds of the generated data sets.
const (
	numTrain    = 6000
	numHeldOut  = 512
	seedTrain   = 20260101
	seedHeldOut = 20260202
	seedWorld   = 20260303
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./build/refbundle data|assemble|encode")
		os.Exit(2)
	}
	root, err := repoRoot()
	if err == nil {
		err = os.Chdir(root)
	}
	if err == nil {
		switch os.Args[1] {
		case "data":
			err = runData()
		case "assemble":
			err = runAssemble()
		case "encode":
			err = runEncode()
		default:
			err = fmt.Errorf("unknown step %q (want data, assemble or encode)", os.Args[1])
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "refbundle:", err)
		os.Exit(1)
	}
}

// repoRoot is the nearest directory at or above the working directory that
// holds go.mod, so the command works from the root and from this directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
