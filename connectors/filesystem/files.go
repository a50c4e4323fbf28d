package filesystem

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// inputFile is one file a source reads.
type inputFile struct {
	path string
	size int64
}

// hidden reports a name Flink's DefaultFileFilter skips: files and
// directories starting with '.' or '_' (in-progress part files, _SUCCESS
// markers, .crc files).
func hidden(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// listFiles returns the files under root — root itself when it is a file —
// sorted by path. Hidden names below root are skipped; root itself is
// read whatever its name, since the user named it. A non-nil pattern keeps
// the files whose absolute, slash-separated path it matches.
func listFiles(root string, pattern *regexp.Regexp) ([]inputFile, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, errorf("cannot read path '%s': %w", root, unwrapPathError(err))
	}
	var files []inputFile
	keep := func(path string, size int64) error {
		if pattern != nil {
			abs, err := filepath.Abs(path)
			if err != nil {
				return errorf("%w", err)
			}
			if !pattern.MatchString(filepath.ToSlash(abs)) {
				return nil
			}
		}
		files = append(files, inputFile{path: path, size: size})
		return nil
	}
	if !st.IsDir() {
		if err := keep(root, st.Size()); err != nil {
			return nil, err
		}
		return files, nil
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return errorf("cannot read '%s': %w", path, unwrapPathError(err))
		}
		if path == root {
			return nil
		}
		if hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		// Stat, not d.Info: a symbolic link counts as the file it names.
		info, err := os.Stat(path)
		if err != nil {
			return errorf("cannot read '%s': %w", path, unwrapPathError(err))
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		return keep(path, info.Size())
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, nil
}

// assign gives every file to one of n subtasks, balancing bytes: largest
// files first, each to the subtask with the fewest bytes so far (the
// lowest index on ties). Every subtask computes the same assignment from
// the same listing, so no coordination is needed for each file to be read
// exactly once. Each subtask's files come back in path order.
func assign(files []inputFile, n int) [][]inputFile {
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return files[order[a]].size > files[order[b]].size })
	load := make([]int64, n)
	owner := make([]int, len(files))
	for _, i := range order {
		best := 0
		for s := 1; s < n; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		owner[i] = best
		// An empty file still costs an open: count it as one byte so that
		// many empty files spread out too.
		load[best] += max(files[i].size, 1)
	}
	out := make([][]inputFile, n)
	for i, f := range files {
		out[owner[i]] = append(out[owner[i]], f)
	}
	return out
}
