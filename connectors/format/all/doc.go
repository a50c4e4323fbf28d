// Package all links Sluice's row formats into a program: csv, json and raw
// register themselves with connectors/format when imported, so a connector
// or a command that wants every format imports this package for its side
// effect:
//
//	import _ "github.com/sluice-stream/sluice/connectors/format/all"
//
// It holds no code and must not: a format belongs in its own package.
package all

import (
	_ "github.com/sluice-stream/sluice/connectors/format/csv"
	_ "github.com/sluice-stream/sluice/connectors/format/json"
	_ "github.com/sluice-stream/sluice/connectors/format/raw"
)
