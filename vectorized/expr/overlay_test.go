package expr

func init() {
	samples = append(samples,
		sample{"OVERLAY", []arg{S("This is an old string"), S(" new"), I(10), I(5)}, "This is a new string"},
		sample{"OVERLAY", []arg{S("abcdef"), S("XY"), I(3)}, "abXYef"},
		sample{"OVERLAY", []arg{S("héllo"), S("É"), I(2), I(1)}, "hÉllo"},
		sample{"OVERLAY", []arg{S("abc"), S("Z"), I(9)}, "abcZ"},
	)
}
