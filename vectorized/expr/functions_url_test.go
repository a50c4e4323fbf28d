package expr

// Flink 2.3's results for the same calls (UNHEX of an odd length aside:
// see unhexSetup).
func init() {
	samples = append(samples, []sample{
		{"REGEXP_COUNT", []arg{S("abcabc"), S("b")}, "2"},
		{"REGEXP_COUNT", []arg{S("aaa"), S("a*")}, "2"},
		{"REGEXP_COUNT", []arg{S("abc"), S("x")}, "0"},
		{"REGEXP_INSTR", []arg{S("héllo"), S("l+")}, "3"},
		{"REGEXP_INSTR", []arg{S("abc"), S("x")}, "0"},
		{"REGEXP_SUBSTR", []arg{S("abc123def"), S("[0-9]+")}, "123"},
		{"REGEXP_SUBSTR", []arg{S("abc"), S("x")}, "NULL"},
		{"UNHEX", []arg{S("414243")}, "ABC"},
		{"UNHEX", []arg{S("zz")}, "NULL"},
		{"PARSE_URL", []arg{S("http://facebook.com/path1/p.php?k1=v1&k2=v2#Ref1"), S("HOST")}, "facebook.com"},
		{"PARSE_URL", []arg{S("http://facebook.com/path1/p.php?k1=v1&k2=v2#Ref1"), S("QUERY"), S("k2")}, "v2"},
		{"PARSE_URL", []arg{S("http://user:pw@facebook.com:8080/p?x=1"), S("AUTHORITY")}, "user:pw@facebook.com:8080"},
		{"PARSE_URL", []arg{S("bad url"), S("HOST")}, "NULL"},
		{"CONVERT_TZ", []arg{S("1970-01-01 00:00:00"), S("UTC"), S("America/Los_Angeles")}, "1969-12-31 16:00:00"},
		{"CONVERT_TZ", []arg{S("2024-03-10 10:00:00"), S("Asia/Shanghai"), S("UTC")}, "2024-03-10 02:00:00"},
		{"CONVERT_TZ", []arg{S("bad"), S("UTC"), S("UTC")}, "NULL"},
	}...)
}
