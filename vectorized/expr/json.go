package expr

// JSON functions with Flink's default behaviours: JSON_VALUE (RETURNING
// STRING, NULL ON EMPTY, NULL ON ERROR), JSON_QUERY (WITHOUT ARRAY WRAPPER,
// NULL ON EMPTY, NULL ON ERROR), JSON_EXISTS (FALSE ON ERROR), JSON_QUOTE
// and JSON_UNQUOTE. Paths are SQL/JSON paths in lax mode: $, .key,
// ."key", ['key'], [n], [*] and .*.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	register("JSON_VALUE", []string{"JSON_VALUE(STRING, path STRING)"}, fnBinder("SS", tString, false, strKernel(jsonValueSetup)))
	register("JSON_QUERY", []string{"JSON_QUERY(STRING, path STRING)"}, fnBinder("SS", tString, false, strKernel(jsonQuerySetup)))
	register("JSON_EXISTS", []string{"JSON_EXISTS(STRING, path STRING)"}, fnBinder("SS", tBool, false, boolKernel(jsonExistsSetup)))
	register("JSON_QUOTE", []string{"JSON_QUOTE(STRING)"}, fnBinder("S", tString, false, strKernel(jsonQuoteSetup)))
	register("JSON_UNQUOTE", []string{"JSON_UNQUOTE(STRING)"}, fnBinder("S", tString, false, strKernel(jsonUnquoteSetup)))
}

// jsonStep is one step of a path: a member (key), an index, or a wildcard
// over members or elements.
type jsonStep struct {
	key      string
	index    int
	isIndex  bool
	wildcard bool
}

// parseJSONPath reads a lax or strict SQL/JSON path; strict is reported so
// that a missing member is an error instead of an empty result.
func parseJSONPath(p string) (steps []jsonStep, strict bool, err error) {
	s := strings.TrimSpace(p)
	switch {
	case strings.HasPrefix(strings.ToLower(s), "strict "):
		strict, s = true, strings.TrimSpace(s[len("strict "):])
	case strings.HasPrefix(strings.ToLower(s), "lax "):
		s = strings.TrimSpace(s[len("lax "):])
	}
	if !strings.HasPrefix(s, "$") {
		return nil, false, fmt.Errorf("a JSON path starts with $: %q", p)
	}
	s = s[1:]
	for len(s) > 0 {
		switch s[0] {
		case '.':
			s = s[1:]
			switch {
			case strings.HasPrefix(s, "*"):
				steps, s = append(steps, jsonStep{wildcard: true}), s[1:]
			case strings.HasPrefix(s, `"`):
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					return nil, false, fmt.Errorf("unterminated member name in JSON path %q", p)
				}
				steps, s = append(steps, jsonStep{key: s[1 : 1+end]}), s[2+end:]
			default:
				end := strings.IndexAny(s, ".[")
				if end < 0 {
					end = len(s)
				}
				if end == 0 {
					return nil, false, fmt.Errorf("empty member name in JSON path %q", p)
				}
				steps, s = append(steps, jsonStep{key: s[:end]}), s[end:]
			}
		case '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, false, fmt.Errorf("unterminated [ in JSON path %q", p)
			}
			in := strings.TrimSpace(s[1:end])
			s = s[end+1:]
			switch {
			case in == "*":
				steps = append(steps, jsonStep{wildcard: true})
			case len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0]:
				steps = append(steps, jsonStep{key: in[1 : len(in)-1]})
			default:
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, false, fmt.Errorf("bad array index %q in JSON path %q", in, p)
				}
				steps = append(steps, jsonStep{index: n, isIndex: true})
			}
		default:
			return nil, false, fmt.Errorf("unexpected %q in JSON path %q", s[:1], p)
		}
	}
	return steps, strict, nil
}

// evalJSONPath returns the items a path selects; a missing member or index
// selects nothing in lax mode and is an error in strict mode. Lax mode
// also applies a member step to each element of an array.
func evalJSONPath(doc any, steps []jsonStep, strict bool) ([]any, error) {
	cur := []any{doc}
	for _, st := range steps {
		var next []any
		for _, v := range cur {
			switch x := v.(type) {
			case map[string]any:
				switch {
				case st.wildcard:
					for _, k := range sortedKeys(x) {
						next = append(next, x[k])
					}
				case st.isIndex:
					if strict {
						return nil, fmt.Errorf("an array index applied to an object")
					}
					if st.index == 0 {
						next = append(next, x) // lax: an object is an array of itself
					}
				default:
					if m, ok := x[st.key]; ok {
						next = append(next, m)
					} else if strict {
						return nil, fmt.Errorf("no member %q", st.key)
					}
				}
			case []any:
				switch {
				case st.wildcard:
					next = append(next, x...)
				case st.isIndex:
					if st.index < len(x) {
						next = append(next, x[st.index])
					} else if strict {
						return nil, fmt.Errorf("index %d out of bounds", st.index)
					}
				default:
					if strict {
						return nil, fmt.Errorf("a member step applied to an array")
					}
					for _, e := range x {
						if m, ok := e.(map[string]any); ok {
							if mv, ok := m[st.key]; ok {
								next = append(next, mv)
							}
						}
					}
				}
			default:
				if strict {
					return nil, fmt.Errorf("a path step applied to a scalar")
				}
				if st.isIndex && st.index == 0 {
					next = append(next, x)
				}
			}
		}
		cur = next
	}
	return cur, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// encoding/json decodes into a map: member order is not kept; sorted
	// keys make wildcards deterministic.
	sort.Strings(keys)
	return keys
}

// decodeJSON parses a document, keeping numbers as written.
func decodeJSON(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("text after the JSON value")
	}
	return v, nil
}

// jsonSelect evaluates path over doc text: the selected items, or ok=false
// for a document or path error.
func jsonSelect(doc, path string, cache map[string]jsonPathCache) ([]any, bool) {
	pc, seen := cache[path]
	if !seen {
		steps, strict, err := parseJSONPath(path)
		pc = jsonPathCache{steps: steps, strict: strict, err: err}
		cache[path] = pc
	}
	if pc.err != nil {
		return nil, false
	}
	v, err := decodeJSON(doc)
	if err != nil {
		return nil, false
	}
	items, err := evalJSONPath(v, pc.steps, pc.strict)
	if err != nil {
		return nil, false
	}
	return items, true
}

type jsonPathCache struct {
	steps  []jsonStep
	strict bool
	err    error
}

func jsonValueSetup(kc *kctx, in []arrow.Array) rowFn {
	doc, path := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
	cache := map[string]jsonPathCache{}
	return func(i int, dst []byte) ([]byte, bool, error) {
		items, ok := jsonSelect(doc.at(i), path.at(i), cache)
		// NULL ON EMPTY and NULL ON ERROR: no item, several items, an
		// object or array, or a JSON null give NULL.
		if !ok || len(items) != 1 {
			return dst, true, nil
		}
		switch x := items[0].(type) {
		case string:
			return append(dst, x...), false, nil
		case json.Number:
			return append(dst, x.String()...), false, nil
		case bool:
			return strconv.AppendBool(dst, x), false, nil
		}
		return dst, true, nil
	}
}

func jsonQuerySetup(kc *kctx, in []arrow.Array) rowFn {
	doc, path := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
	cache := map[string]jsonPathCache{}
	return func(i int, dst []byte) ([]byte, bool, error) {
		items, ok := jsonSelect(doc.at(i), path.at(i), cache)
		if !ok || len(items) != 1 {
			return dst, true, nil
		}
		switch items[0].(type) {
		case map[string]any, []any:
			// WITHOUT ARRAY WRAPPER: an object or an array as JSON text;
			// a scalar is an error, NULL ON ERROR.
			b, err := marshalJSON(items[0])
			if err != nil {
				return dst, true, nil
			}
			return append(dst, b...), false, nil
		}
		return dst, true, nil
	}
}

func jsonExistsSetup(kc *kctx, in []arrow.Array) fixedRowFn[bool] {
	doc, path := sAccOf(in[0], kc.n), sAccOf(in[1], kc.n)
	cache := map[string]jsonPathCache{}
	return func(i int) (bool, bool, error) {
		items, ok := jsonSelect(doc.at(i), path.at(i), cache)
		return ok && len(items) > 0, false, nil // FALSE ON ERROR
	}
}

func jsonQuoteSetup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		b, err := marshalJSON(s.at(i))
		if err != nil {
			return dst, true, nil
		}
		return append(dst, b...), false, nil
	}
}

func jsonUnquoteSetup(kc *kctx, in []arrow.Array) rowFn {
	s := sAccOf(in[0], kc.n)
	return func(i int, dst []byte) ([]byte, bool, error) {
		v := s.at(i)
		var out string
		if len(v) >= 2 && v[0] == '"' && json.Unmarshal([]byte(v), &out) == nil {
			return append(dst, out...), false, nil
		}
		return append(dst, v...), false, nil // not a JSON string: as it is
	}
}

// marshalJSON writes v without HTML escaping (Flink's Jackson writes <, >
// and & as they are).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func init() {
	for _, kind := range []string{"", " VALUE", " SCALAR", " ARRAY", " OBJECT"} {
		kind := kind
		for _, not := range []bool{false, true} {
			name := "IS JSON" + kind
			if not {
				name = "IS NOT JSON" + kind
			}
			register(name, []string{"STRING " + name}, isJSONBinder(strings.TrimSpace(kind), not))
		}
	}
}

// isJSONBinder is x IS [NOT] JSON [kind]: whether x is JSON text of the
// kind (VALUE: any); NULL is not JSON, as in Flink.
func isJSONBinder(kind string, not bool) binder {
	return func(name string, args []vectorized.Expr) (vectorized.Expr, error) {
		if len(args) != 1 || familyOf(args[0].DataType()) != famString {
			return nil, noMatch()
		}
		return &compositeExpr{name: name, args: args, typ: tBool,
			str: func(s []string) string { return "(" + s[0] + " " + name + ")" },
			eval: func(mem memory.Allocator, n int, cols []arrow.Array) (arrow.Array, error) {
				in := sAccOf(cols[0], n)
				buf, out := allocBits(mem, n)
				for i := 0; i < n; i++ {
					ok := false
					if !cols[0].IsNull(i) {
						if v, err := decodeJSON(in.at(i)); err == nil {
							switch v.(type) {
							case map[string]any:
								ok = kind == "" || kind == "VALUE" || kind == "OBJECT"
							case []any:
								ok = kind == "" || kind == "VALUE" || kind == "ARRAY"
							default:
								ok = kind == "" || kind == "VALUE" || kind == "SCALAR"
							}
						}
					}
					if ok != not {
						bitutil.SetBit(out, i)
					}
				}
				return makeArray(tBool, n, nil, 0, buf), nil
			}}, nil
	}
}
