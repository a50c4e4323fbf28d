package connector

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// LegacyFactory is a factory that also serves Flink 1.10's descriptor
// keys (`'connector.type' = 'kafka'`, `'connector.topic' = …`), which old
// PyFlink scripts such as the CDN job use.
type LegacyFactory interface {
	Factory
	// LegacyKeys maps each legacy key, without its `connector.` prefix, to
	// the current key. A key ending in "." maps a family by prefix
	// ("properties." → "properties."). An empty target accepts the key and
	// drops it (Kafka's `properties.zookeeper.connect`, which the
	// universal client never used).
	LegacyKeys() map[string]string
	// LegacyVersions are the accepted values of `connector.version`; nil
	// when the connector had no version.
	LegacyVersions() []string
}

// Keys of Flink's legacy descriptors.
const (
	LegacyTypeKey    = "connector.type"
	legacyVersionKey = "connector.version"
	legacyPrefix     = "connector."
	legacyFormatKey  = "format.type"
	legacyFormatPfx  = "format."
)

// Legacy keys that carried descriptor metadata and mean nothing now: the
// schema always comes from the table's columns.
var legacyIgnored = []string{
	"connector.property-version",
	"format.property-version",
	"format.derive-schema",
}

// IsLegacy reports whether opts use Flink 1.10's descriptor keys.
func IsLegacy(opts map[string]string) bool {
	_, ok := opts[LegacyTypeKey]
	return ok
}

// Identifier returns the connector a table's options name, by the
// `connector` option or the legacy `connector.type`.
func Identifier(opts map[string]string) (string, error) {
	id, cur := opts["connector"]
	legacy, old := opts[LegacyTypeKey]
	switch {
	case cur && old:
		return "", fmt.Errorf("both 'connector' and the legacy 'connector.type' are given; use one (the legacy keys are Flink 1.10's, 'connector' is current)")
	case old:
		return legacy, nil
	case cur:
		return id, nil
	}
	return "", fmt.Errorf("no 'connector' option")
}

// Normalize translates Flink 1.10 descriptor keys into the current keys
// of factory f. Options without `connector.type` are returned as they are.
// Errors name the legacy key and list the legacy keys f accepts.
func Normalize(f Factory, opts map[string]string) (map[string]string, error) {
	if !IsLegacy(opts) {
		return opts, nil
	}
	lf, ok := f.(LegacyFactory)
	if !ok {
		return nil, fmt.Errorf("connector %q has no legacy form; write 'connector' = '%s' and its current options (%s)", f.Identifier(), f.Identifier(), validKeys(f.Options()))
	}
	keys := lf.LegacyKeys()
	out := map[string]string{"connector": f.Identifier()}
	set := func(legacy, key, v string) error {
		if prev, dup := out[key]; dup && key != "" {
			return fmt.Errorf("legacy option '%s' sets '%s', which is already set to '%s'", legacy, key, prev)
		}
		if key != "" {
			out[key] = v
		}
		return nil
	}
	format := opts[legacyFormatKey]
	// Sorted, so that errors do not depend on map order.
	all := make([]string, 0, len(opts))
	for k := range opts {
		all = append(all, k)
	}
	sort.Strings(all)
	for _, k := range all {
		v := opts[k]
		switch {
		case k == LegacyTypeKey || slices.Contains(legacyIgnored, k):
		case k == legacyVersionKey:
			vs := lf.LegacyVersions()
			if !slices.Contains(vs, v) {
				if len(vs) == 0 {
					return nil, fmt.Errorf("connector %q takes no 'connector.version'", f.Identifier())
				}
				return nil, fmt.Errorf("connector %q: connector.version = '%s' is not supported; supported: %s", f.Identifier(), v, strings.Join(vs, ", "))
			}
		case k == legacyFormatKey:
			if err := set(k, "format", v); err != nil {
				return nil, err
			}
		case strings.HasPrefix(k, "format.fields.") || k == "format.schema":
			// The legacy format schema repeats the table's; the table wins.
		case strings.HasPrefix(k, legacyFormatPfx):
			if format == "" {
				return nil, fmt.Errorf("legacy option '%s' needs 'format.type'", k)
			}
			if err := set(k, format+"."+strings.TrimPrefix(k, legacyFormatPfx), v); err != nil {
				return nil, err
			}
		case strings.HasPrefix(k, legacyPrefix):
			key, ok := mapLegacy(keys, strings.TrimPrefix(k, legacyPrefix))
			if !ok {
				return nil, fmt.Errorf("connector %q does not support legacy option '%s'; supported legacy options: %s", f.Identifier(), k, legacyList(keys))
			}
			if err := set(k, key, v); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("option '%s' cannot be mixed with the legacy 'connector.type' keys; supported legacy options: %s", k, legacyList(keys))
		}
	}
	return out, nil
}

func mapLegacy(keys map[string]string, k string) (string, bool) {
	if to, ok := keys[k]; ok {
		return to, true
	}
	// Longest matching family wins ("properties.zookeeper." before
	// "properties.").
	best := ""
	for from := range keys {
		if strings.HasSuffix(from, ".") && strings.HasPrefix(k, from) && len(from) > len(best) {
			best = from
		}
	}
	if best == "" {
		return "", false
	}
	to := keys[best]
	if to == "" {
		return "", true
	}
	return to + strings.TrimPrefix(k, best), true
}

func legacyList(keys map[string]string) string {
	l := []string{LegacyTypeKey, "format.type", "format.*"}
	for k := range keys {
		if strings.HasSuffix(k, ".") {
			l = append(l, legacyPrefix+k+"*")
		} else {
			l = append(l, legacyPrefix+k)
		}
	}
	sort.Strings(l[3:])
	return strings.Join(l, ", ")
}

func validKeys(decl []Option) string {
	valid := make([]string, 0, len(decl))
	for _, o := range decl {
		if o.Prefix {
			valid = append(valid, o.Key+"…")
		} else {
			valid = append(valid, o.Key)
		}
	}
	return strings.Join(valid, ", ")
}
