package builtin

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-stream/sluice/table/connector"
)

func TestEveryBuiltinConnectorIsRegistered(t *testing.T) {
	assert.Equal(t, []string{"blackhole", "datagen", "filesystem", "jdbc", "kafka", "nexmark", "print", "upsert-kafka", "values"}, connector.Identifiers())
	assert.Equal(t, []string{"csv", "json", "parquet", "raw"}, connector.FormatIdentifiers())
}
