// Command goapi is the CDN statistics job written against Sluice's Go
// API, as a Go program that embeds the engine would: access logs in a CSV
// file, the Python row UDF ip_to_province and the pandas UDF
// request_speed registered as catalog functions, one SQL query grouping by
// province, the result printed as a table.
//
//	go run ./examples/goapi [-rows N]
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/pyfunc"
	"github.com/sluice-stream/sluice/table/types"

	_ "github.com/sluice-stream/sluice/connectors/builtin"
)

//go:embed cdn_udf.py
var udfSource string

var provinces = []string{"Beijing", "Shanghai", "Guangdong", "Zhejiang", "Sichuan", "Hubei", "Shaanxi"}

// statisticSQL is the seed job's aggregation, with the pandas UDF's mean
// speed per request beside the speed of the totals.
const statisticSQL = `
SELECT province,
       COUNT(*) AS access_count,
       SUM(response_size) AS total_download,
       SUM(response_size) * 1.0 / SUM(request_time) AS download_speed,
       AVG(request_speed(response_size, request_time)) AS mean_request_speed
FROM (SELECT ip_to_province(client_ip) AS province, response_size, request_time FROM access_log)
GROUP BY province
ORDER BY province`

func main() {
	rows := flag.Int("rows", 200_000, "access log lines to generate")
	flag.Parse()
	dir, err := os.MkdirTemp("", "sluice-goapi-")
	if err == nil {
		defer os.RemoveAll(dir)
		var res *table.Result
		if res, err = run(context.Background(), dir, *rows); err == nil {
			res.Print(os.Stdout)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "goapi:", err)
	os.Exit(1)
}

// run writes the logs under dir and returns the per-province statistics.
func run(ctx context.Context, dir string, rows int) (*table.Result, error) {
	logs := filepath.Join(dir, "access_log.csv")
	if err := writeLogs(logs, rows); err != nil {
		return nil, err
	}
	if err := cpython.Initialize(); err != nil {
		return nil, err
	}
	env := table.NewEnvironment(table.Settings{})
	if err := registerUDFs(env); err != nil {
		return nil, err
	}
	ddl := fmt.Sprintf(`CREATE TABLE access_log (
  uuid STRING, client_ip STRING, request_time BIGINT, response_size BIGINT
) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')`, logs)
	if _, err := env.ExecuteSQL(ctx, ddl); err != nil {
		return nil, err
	}
	t, err := env.SQLQuery(statisticSQL)
	if err != nil {
		return nil, err
	}
	return t.Execute(ctx)
}

// registerUDFs loads cdn_udf.py as a module and registers its functions:
// ip_to_province called per row, request_speed per batch with pandas.
func registerUDFs(env *table.Environment) error {
	var ipFn, speedFn *cpython.Object
	err := cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("cdn_udf", "examples/goapi/cdn_udf.py", udfSource)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		if ipFn, err = py.GetAttr(mod, "ip_to_province"); err != nil {
			return err
		}
		speedFn, err = py.GetAttr(mod, "request_speed")
		return err
	})
	if err != nil {
		return err
	}
	defer cpython.Do(func(py *cpython.GIL) error { py.DecRef(ipFn); py.DecRef(speedFn); return nil })
	ip, err := pyfunc.New("ip_to_province", ipFn, pyfunc.Row, types.STRING(), types.STRING())
	if err != nil {
		return err
	}
	speed, err := pyfunc.New("request_speed", speedFn, pyfunc.Pandas, types.DOUBLE(), types.BIGINT(), types.BIGINT())
	if err != nil {
		return err
	}
	if err := env.CreateTemporarySystemFunction("ip_to_province", ip); err != nil {
		return err
	}
	return env.CreateTemporarySystemFunction("request_speed", speed)
}

// writeLogs writes rows CDN access log lines; the first octet of a client
// address picks its province (see provinceOf and cdn_udf.py).
func writeLogs(path string, rows int) error {
	var sb strings.Builder
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rows {
		fmt.Fprintf(&sb, "%d,%d.%d.%d.%d,%d,%d\n", i, 1+r.IntN(200), r.IntN(256), r.IntN(256), r.IntN(256),
			r.IntN(10), 100+r.IntN(1_000_000))
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

// provinceOf is ip_to_province in Go, for the test's recomputation.
func provinceOf(ip string) string {
	var a int
	fmt.Sscanf(ip, "%d.", &a)
	return provinces[a%len(provinces)]
}
