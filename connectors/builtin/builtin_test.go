package builtin

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-stream/sluice/table/connector"
)

func TestEveryBuiltinConnectorIsRegistered(t *testing.T) {
	ids := connector.Identifiers()
	for _, id := range []string{"blackhole", "datagen", "print", "values"} {
		assert.Contains(t, ids, id)
	}
}
