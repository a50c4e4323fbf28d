package builtin

import (
	// Each package registers its factory in init.
	_ "github.com/sluice-stream/sluice/connectors/blackhole"
	_ "github.com/sluice-stream/sluice/connectors/datagen"
	_ "github.com/sluice-stream/sluice/connectors/filesystem"
	_ "github.com/sluice-stream/sluice/connectors/format/all"
	_ "github.com/sluice-stream/sluice/connectors/jdbc"
	_ "github.com/sluice-stream/sluice/connectors/kafka"
	_ "github.com/sluice-stream/sluice/connectors/nexmark"
	_ "github.com/sluice-stream/sluice/connectors/print"
	_ "github.com/sluice-stream/sluice/connectors/values"
)
