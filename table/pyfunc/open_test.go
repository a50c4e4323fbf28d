package pyfunc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestJobParameters(t *testing.T) {
	require.Equal(t, [][2]string{{"subtract_value", "2"}}, JobParameters("subtract_value:2"))
	require.Equal(t, [][2]string{{"k", "v1"}, {"k2", "a,b"}, {"url", "http://x"}},
		JobParameters("k:v1, k2:'a,b',url:http://x"))
	require.Nil(t, JobParameters(""))
}
