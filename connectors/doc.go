// Package connectors will hold the registry of table factories keyed by the
// `connector` option, the formats, and one sub-package per connector
// (issue 4). It must not reach into the planner's internals.
package connectors
