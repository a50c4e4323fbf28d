package builtin

import (
	// Each package registers its factory in init.
	_ "github.com/sluice-stream/sluice/connectors/blackhole"
	_ "github.com/sluice-stream/sluice/connectors/datagen"
	_ "github.com/sluice-stream/sluice/connectors/print"
	_ "github.com/sluice-stream/sluice/connectors/values"
)
