package xgboost_test

import (
	"fmt"
	"log"
	"os"

	"github.com/edgescore/edgescore/module/xgboost"
)

func ExampleParse() {
	data, err := os.ReadFile("testdata/multiclass.json") // booster.save_model("multiclass.json")
	if err != nil {
		log.Fatal(err)
	}
	spec, err := xgboost.Parse(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(spec.Objective, spec.NumClass, "classes,", len(spec.Trees), "trees,", spec.NumFeature, "features", spec.FeatureNames)
	fmt.Println("base margin", spec.BaseMargin)
	// Output:
	// multi:softprob 3 classes, 30 trees, 5 features [m0 m1 m2 m3 m4]
	// base margin [0.2 0.2 0.2]
}
