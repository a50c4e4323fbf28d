package sluice_test

// The package dependency rules of DESIGN.md §2, pinned as CockroachDB pins
// its own: a change that makes the engine call Python, or a connector
// reach into the planner, fails here instead of in review.

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/sluice-stream/sluice/"

// depRules: packages whose path starts with a key (a package or a folder
// of packages) must not depend, directly or not, on any package under the
// listed prefixes; except lists packages under the key that are exempt.
var depRules = []struct {
	pkg       string
	except    []string
	forbidden []string
}{
	{pkg: "vectorized", forbidden: []string{"engine", "table", "cpython", "pandas_udf", "python", "connectors", "cmd"}},
	{pkg: "cpython", forbidden: []string{"engine", "table", "pandas_udf", "python", "connectors", "cmd"}},
	{pkg: "pandas_udf", forbidden: []string{"engine", "table", "python", "connectors", "cmd"}},
	{pkg: "engine", forbidden: []string{"cpython", "pandas_udf", "python", "table", "connectors", "cmd"}},
	// The planner and the Table API never touch libpython: table/pyfunc
	// is the one place that turns Python callables into evaluators.
	{pkg: "table", except: []string{"table/pyfunc"}, forbidden: []string{"cpython", "pandas_udf", "python", "connectors", "cmd"}},
	// Connectors implement table/connector's contract and see table/types;
	// the planner, the catalog, SQL and the Table API are not theirs.
	{pkg: "connectors", forbidden: []string{"table/planner", "table/catalog", "table/sql", "table/pyfunc", "cpython", "pandas_udf", "python", "cmd"}},
	{pkg: "python", forbidden: []string{"cmd"}},
}

// tableAPI: "table" as a forbidden prefix of a connector would match
// table/connector; the root package table (the Table API) is forbidden to
// connectors on its own.
const tableAPI = "table"

func TestPackageDependencies(t *testing.T) {
	deps := listDeps(t)
	require.NotEmpty(t, deps)
	checked := 0
	for pkg, ds := range deps {
		for _, r := range depRules {
			if pkg != r.pkg && !strings.HasPrefix(pkg, r.pkg+"/") {
				continue
			}
			exempt := false
			for _, e := range r.except {
				exempt = exempt || pkg == e || strings.HasPrefix(pkg, e+"/")
			}
			if exempt {
				continue
			}
			checked++
			for _, d := range ds {
				for _, f := range r.forbidden {
					assert.False(t, d == f || strings.HasPrefix(d, f+"/"), "%s depends on %s (rule: %s must not depend on %s)", pkg, d, r.pkg, f)
				}
				if r.pkg == "connectors" {
					assert.NotEqual(t, tableAPI, d, "%s depends on the Table API package table", pkg)
				}
			}
		}
	}
	assert.Greater(t, checked, 20, "the rules matched the packages they are about")
}

// TestNoCatchAllPackages: no package named util or common (DESIGN.md §9).
func TestNoCatchAllPackages(t *testing.T) {
	for pkg := range listDeps(t) {
		base := pkg[strings.LastIndex(pkg, "/")+1:]
		assert.NotContains(t, []string{"util", "utils", "common", "helpers", "misc"}, base, "package %s", pkg)
	}
}

// listDeps maps each package of the module (path relative to the module)
// to the module's packages it depends on, directly or not, as the go tool
// computes them for this platform (cgo files included).
func listDeps(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...")
	cmd.Env = os.Environ()
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("go list: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], module) {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], module)
		var own []string
		for _, d := range fields[1:] {
			if strings.HasPrefix(d, module) {
				own = append(own, strings.TrimPrefix(d, module))
			}
		}
		deps[pkg] = own
	}
	return deps
}
