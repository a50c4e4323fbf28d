package expr

func init() {
	doc := `{"a": {"b": [10, "x", true, null, {"c": 1.50}]}, "s": "<é>", "n": null}`
	samples = append(samples,
		sample{"JSON_VALUE", []arg{S(doc), S("$.a.b[0]")}, "10"},
		sample{"JSON_VALUE", []arg{S(doc), S("$.a.b[1]")}, "x"},
		sample{"JSON_VALUE", []arg{S(doc), S("$.a.b[2]")}, "true"},
		sample{"JSON_VALUE", []arg{S(doc), S("$.a.b[4].c")}, "1.50"}, // numbers as written
		sample{"JSON_VALUE", []arg{S(doc), S("$.s")}, "<é>"},
		sample{"JSON_VALUE", []arg{S(doc), S("$.n")}, "NULL"},
		sample{"JSON_VALUE", []arg{S(doc), S("$.a")}, "NULL"},       // not a scalar: NULL ON ERROR
		sample{"JSON_VALUE", []arg{S(doc), S("$.missing")}, "NULL"}, // NULL ON EMPTY
		sample{"JSON_VALUE", []arg{S(doc), S("$.a.b[*]")}, "NULL"},  // several items
		sample{"JSON_VALUE", []arg{S("{bad"), S("$.a")}, "NULL"},    // not JSON
		sample{"JSON_VALUE", []arg{S(doc), S("a.b")}, "NULL"},       // not a path
		sample{"JSON_VALUE", []arg{S(doc), S("lax $['s']")}, "<é>"},
		sample{"JSON_VALUE", []arg{S(doc), S("strict $.missing")}, "NULL"},
		sample{"JSON_QUERY", []arg{S(doc), S("$.a.b[4]")}, `{"c":1.50}`},
		sample{"JSON_QUERY", []arg{S(doc), S("$.a")}, `{"b":[10,"x",true,null,{"c":1.50}]}`},
		sample{"JSON_QUERY", []arg{S(doc), S("$.s")}, "NULL"}, // a scalar: NULL ON ERROR
		sample{"JSON_EXISTS", []arg{S(doc), S("$.a.b[4].c")}, "TRUE"},
		sample{"JSON_EXISTS", []arg{S(doc), S("$.n")}, "TRUE"},
		sample{"JSON_EXISTS", []arg{S(doc), S("$.a.b[9]")}, "FALSE"},
		sample{"JSON_EXISTS", []arg{S("{bad"), S("$")}, "FALSE"}, // FALSE ON ERROR
		sample{"JSON_QUOTE", []arg{S(`say "hi" <x>`)}, `"say \"hi\" <x>"`},
		sample{"JSON_UNQUOTE", []arg{S(`"a\nb\u00e9"`)}, "a\nbé"},
		sample{"JSON_UNQUOTE", []arg{S(`plain`)}, "plain"},
	)
}

func init() {
	for _, s := range []sample{
		{"IS JSON", []arg{S(`{"a": 1}`)}, "TRUE"},
		{"IS JSON", []arg{S(`{bad`)}, "FALSE"},
		{"IS JSON VALUE", []arg{S(`[1]`)}, "TRUE"},
		{"IS JSON SCALAR", []arg{S(`"x"`)}, "TRUE"},
		{"IS JSON SCALAR", []arg{S(`[1]`)}, "FALSE"},
		{"IS JSON ARRAY", []arg{S(`[1]`)}, "TRUE"},
		{"IS JSON OBJECT", []arg{S(`[1]`)}, "FALSE"},
		{"IS NOT JSON", []arg{S(`{bad`)}, "TRUE"},
		{"IS NOT JSON VALUE", []arg{S(`1`)}, "FALSE"},
		{"IS NOT JSON SCALAR", []arg{S(`{}`)}, "TRUE"},
		{"IS NOT JSON ARRAY", []arg{S(`{}`)}, "TRUE"},
		{"IS NOT JSON OBJECT", []arg{S(`{}`)}, "FALSE"},
	} {
		samples = append(samples, s)
		lenient[s.fn] = true // NULL IS JSON is FALSE
	}
}
