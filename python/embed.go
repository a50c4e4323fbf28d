// Package python embeds Sluice's Python API (the `sluice` package, which
// mirrors PyFlink's modules) into the binary and connects it to the Go
// Table API: Install makes `import sluice…` (and, for job scripts,
// `import pyflink…`) resolve to the embedded modules and installs the
// bridge that their calls reach through `_sluice_native`.
package python

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/sluice-stream/sluice/cpython"
)

//go:embed all:sluice
var sources embed.FS

// Modules lists the embedded modules by dotted name with their source and
// whether each is a package (an __init__.py).
func Modules() (map[string]string, map[string]bool, error) {
	src := map[string]string{}
	pkg := map[string]bool{}
	err := fs.WalkDir(sources, "sluice", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "__pycache__" {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".py") {
			return nil
		}
		b, err := sources.ReadFile(path)
		if err != nil {
			return err
		}
		name := strings.ReplaceAll(strings.TrimSuffix(path, ".py"), "/", ".")
		if strings.HasSuffix(name, ".__init__") {
			name = strings.TrimSuffix(name, ".__init__")
			pkg[name] = true
		}
		src[name] = string(b)
		return nil
	})
	return src, pkg, err
}

// The importer: a meta path finder serving the embedded sources, and for
// job scripts an alias that makes pyflink.X the very module sluice.X.
const importerSource = `
import importlib.abc, importlib.util, sys

class _EmbeddedFinder(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    def __init__(self, sources, packages):
        self._sources = sources
        self._packages = packages

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self._sources:
            return None
        is_pkg = fullname in self._packages
        spec = importlib.util.spec_from_loader(fullname, self, origin=self._filename(fullname), is_package=is_pkg)
        spec.has_location = True
        return spec

    def _filename(self, fullname):
        rel = fullname.replace(".", "/") + ("/__init__.py" if fullname in self._packages else ".py")
        return "<sluice>/python/" + rel

    def get_filename(self, fullname):
        return self._filename(fullname)

    def get_source(self, fullname):
        return self._sources[fullname]

    def is_package(self, fullname):
        return fullname in self._packages

    def exec_module(self, module):
        code = compile(self._sources[module.__name__], self._filename(module.__name__), "exec")
        exec(code, module.__dict__)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self._target = target

    def create_module(self, spec):
        return importlib.import_module(self._target)

    def exec_module(self, module):
        pass


class _PyFlinkAlias(importlib.abc.MetaPathFinder):
    """pyflink.X is sluice.X inside sluice run: one module object under two
    names, so isinstance checks and module state agree."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "pyflink" and not fullname.startswith("pyflink."):
            return None
        real = "sluice" + fullname[len("pyflink"):]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real), is_package=True)


def install(sources, packages, alias):
    for f in sys.meta_path:
        if isinstance(f, _EmbeddedFinder):
            f._sources, f._packages = sources, packages
            break
    else:
        sys.meta_path.insert(0, _EmbeddedFinder(sources, packages))
    if alias and not any(isinstance(f, _PyFlinkAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, _PyFlinkAlias())
`

var installOnce sync.Mutex

// Install starts the interpreter if needed, makes the embedded `sluice`
// package importable and installs the bridge. With pyflink set, `import
// pyflink…` resolves to the same modules (only inside `sluice run` and
// `sluice shell`: a plain Python keeps its real PyFlink).
func Install(pyflink bool) error {
	installOnce.Lock()
	defer installOnce.Unlock()
	if err := cpython.Initialize(); err != nil {
		return err
	}
	src, pkg, err := Modules()
	if err != nil {
		return fmt.Errorf("python: reading the embedded sources: %w", err)
	}
	if err := cpython.SetNativeHandler(handle); err != nil {
		return err
	}
	return cpython.Do(func(py *cpython.GIL) error {
		mod, err := py.LoadModule("_sluice_importer", "<sluice>/python/importer.py", importerSource)
		if err != nil {
			return err
		}
		defer py.DecRef(mod)
		fn, err := py.GetAttr(mod, "install")
		if err != nil {
			return err
		}
		defer py.DecRef(fn)
		names := make([]string, 0, len(src))
		for n := range src {
			names = append(names, n)
		}
		sort.Strings(names)
		d, err := newDict(py)
		if err != nil {
			return err
		}
		defer py.DecRef(d)
		for _, n := range names {
			if err := dictSet(py, d, n, py.Str(src[n])); err != nil {
				return err
			}
		}
		var pkgs []*cpython.Object
		for n := range pkg {
			pkgs = append(pkgs, py.Str(n))
		}
		pl := py.List(pkgs...)
		for _, o := range pkgs {
			py.DecRef(o)
		}
		defer py.DecRef(pl)
		set, err := builtin(py, "frozenset")
		if err != nil {
			return err
		}
		defer py.DecRef(set)
		ps, err := py.Call(set, pl)
		if err != nil {
			return err
		}
		defer py.DecRef(ps)
		flag := py.Bool(pyflink)
		defer py.DecRef(flag)
		r, err := py.Call(fn, d, ps, flag)
		if err != nil {
			return err
		}
		py.DecRef(r)
		return nil
	})
}

func builtin(py *cpython.GIL, name string) (*cpython.Object, error) {
	b, err := py.Import("builtins")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(b)
	return py.GetAttr(b, name)
}

func newDict(py *cpython.GIL) (*cpython.Object, error) {
	d, err := builtin(py, "dict")
	if err != nil {
		return nil, err
	}
	defer py.DecRef(d)
	return py.Call(d)
}

// dictSet sets d[key] = v and releases v.
func dictSet(py *cpython.GIL, d *cpython.Object, key string, v *cpython.Object) error {
	defer py.DecRef(v)
	set, err := py.GetAttr(d, "__setitem__")
	if err != nil {
		return err
	}
	defer py.DecRef(set)
	k := py.Str(key)
	defer py.DecRef(k)
	r, err := py.Call(set, k, v)
	if err != nil {
		return err
	}
	py.DecRef(r)
	return nil
}
