// Command k8slab-registry serves images from docker-archive tarballs as a
// read-only OCI distribution registry, so a lab node's containerd can pull
// them through a mirror without reaching the internet.
//
//	k8slab-registry -listen 172.18.0.2:5000 -load DIR [-load DIR2 ...] [-store DIR] [-v]
//
// Each DIR holds NAME.tar files (as written by `docker save`) and, next to
// each, NAME.refs (or NAME.tar.refs) with one image reference per line, such
// as docker.io/library/nginx:1.14.2. The image is served under the
// reference's repository path without its registry host (library/nginx:1.14.2),
// which is what containerd asks a mirror for. The archives are read at start
// and again on SIGHUP; an archive whose size, time and refs are unchanged is
// not read again.
package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// selfHost names the registry in references pushed in-process; the transport
// never dials it.
const selfHost = "k8slab-registry.invalid"

type dirList []string

func (d *dirList) String() string     { return strings.Join(*d, ",") }
func (d *dirList) Set(v string) error { *d = append(*d, v); return nil }

func main() {
	var dirs dirList
	listen := flag.String("listen", "", "HOST:PORT to serve on; the host must be a specific address")
	store := flag.String("store", "", "directory for blobs (default: in memory)")
	verbose := flag.Bool("v", false, "log every request, not only failed ones")
	flag.Var(&dirs, "load", "directory of NAME.tar docker archives with NAME.refs files (repeatable)")
	flag.Parse()
	log.SetPrefix("k8slab-registry: ")
	if flag.NArg() > 0 {
		fail("unexpected arguments %q; usage: k8slab-registry -listen HOST:PORT -load DIR ...", flag.Args())
	}
	if err := checkListen(*listen); err != nil {
		fail("%v", err)
	}

	opts := []registry.Option{registry.Logger(log.New(io.Discard, "", 0))}
	if *store != "" {
		if err := os.MkdirAll(*store, 0o755); err != nil {
			fail("cannot create -store directory: %v", err)
		}
		opts = append(opts, registry.WithBlobHandler(registry.NewDiskBlobHandler(*store)))
	}
	reg := registry.New(opts...)

	// Bind before loading: a busy address is reported at once, and clients
	// that connect meanwhile wait in the backlog instead of being refused.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fail("cannot listen on %s: %v", *listen, err)
	}
	ld := &loader{dirs: dirs, handler: reg, done: map[string]string{}, served: map[string]string{}}
	ld.loadAll()

	srv := &http.Server{Handler: readOnly(reg, *verbose), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fail("serving on %s: %v", *listen, err)
		}
	}()
	log.Printf("serving %d image references on http://%s", len(ld.served), ln.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	for s := range sig {
		if s != syscall.SIGHUP {
			log.Printf("stopping (%v)", s)
			_ = srv.Close()
			return
		}
		log.Printf("SIGHUP: reloading %s", dirs.String())
		ld.loadAll()
		log.Printf("serving %d image references", len(ld.served))
	}
}

func fail(format string, args ...any) {
	log.Printf(format, args...)
	os.Exit(1)
}

// checkListen refuses addresses that would listen on every interface.
func checkListen(addr string) error {
	if addr == "" {
		return errors.New("-listen HOST:PORT is required")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return fmt.Errorf("-listen %q would listen on every interface; give a specific host, e.g. 127.0.0.1:%s", addr, port)
	}
	return nil
}

// readOnly serves pulls only: what the registry holds is exactly what the load
// directories hold.
func readOnly(h http.Handler, verbose bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "read-only registry: images come from its -load directories", http.StatusMethodNotAllowed)
			log.Printf("%s %s %d (read-only)", r.Method, r.URL, http.StatusMethodNotAllowed)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if verbose || sw.status >= 400 {
			log.Printf("%s %s %d", r.Method, r.URL, sw.status)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// inProcess hands requests straight to the registry's handler, so loading
// images needs no network round trip and no proxy settings apply.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	_ = r.Body.Close()
	res := rec.Result()
	res.Request = req
	return res, nil
}

type loader struct {
	dirs    []string
	handler http.Handler
	done    map[string]string // archive path -> fingerprint of its last complete load
	served  map[string]string // served repo:tag or repo@digest -> image digest
}

func (l *loader) loadAll() {
	for _, dir := range l.dirs {
		if _, err := os.Stat(dir); err != nil {
			log.Printf("cannot read load directory: %v", err)
			continue
		}
		tars, _ := filepath.Glob(filepath.Join(dir, "*.tar")) // the pattern is well formed
		for _, path := range tars {
			l.loadArchive(path)
		}
	}
}

// refsFile finds the sidecar of an archive: NAME.refs, else NAME.tar.refs.
func refsFile(archive string) (string, []byte, error) {
	candidates := []string{strings.TrimSuffix(archive, ".tar") + ".refs", archive + ".refs"}
	for _, p := range candidates {
		data, err := os.ReadFile(p)
		if err == nil {
			return p, data, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return p, nil, err
		}
	}
	return "", nil, fmt.Errorf("no %s or %s next to it (one image reference per line)",
		filepath.Base(candidates[0]), filepath.Base(candidates[1]))
}

func parseRefs(data []byte) []string {
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func (l *loader) loadArchive(path string) {
	refsPath, data, err := refsFile(path)
	if err != nil {
		log.Printf("skipping %s: %v", path, err)
		return
	}
	st, err := os.Stat(path)
	if err != nil {
		log.Printf("bad image archive %s: %v", path, err)
		return
	}
	fingerprint := fmt.Sprintf("%d %d %x", st.Size(), st.ModTime().UnixNano(), sha256.Sum256(data))
	if l.done[path] == fingerprint {
		return
	}
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	manifest, err := tarball.LoadManifest(opener)
	if err == nil && len(manifest) == 0 {
		err = errors.New("manifest.json lists no image")
	}
	if err != nil {
		log.Printf("bad image archive %s (want a `docker save` tarball): %v", path, err)
		return
	}
	refs := parseRefs(data)
	if len(refs) == 0 {
		log.Printf("skipping %s: %s holds no image reference", path, refsPath)
		return
	}
	ok := true
	for _, ref := range refs {
		if err := l.push(path, opener, len(manifest), ref); err != nil {
			log.Printf("not serving %s from %s: %v", ref, path, err)
			ok = false
		}
	}
	if ok {
		l.done[path] = fingerprint
	}
}

func (l *loader) push(path string, opener tarball.Opener, images int, ref string) error {
	src, err := name.ParseReference(ref)
	if err != nil {
		return fmt.Errorf("bad reference in refs file: %v", err)
	}
	// A single-image archive serves every listed ref; in a multi-image one the
	// ref must be one of the archive's RepoTags.
	var tag *name.Tag
	if images > 1 {
		t, isTag := src.(name.Tag)
		if !isTag {
			return fmt.Errorf("the archive holds %d images; name one by a tag from its RepoTags", images)
		}
		tag = &t
	}
	img, err := tarball.Image(opener, tag)
	if err != nil {
		return fmt.Errorf("bad image archive: %v", err)
	}
	if err := checkPlatform(img); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("bad image archive: %v", err)
	}
	repo, err := name.NewRepository(selfHost+"/"+src.Context().RepositoryStr(), name.Insecure)
	if err != nil {
		return err
	}
	var dst name.Reference
	served := repo.RepositoryStr()
	if d, isDigest := src.(name.Digest); isDigest {
		if d.DigestStr() != digest.String() {
			return fmt.Errorf("the archive's image is %s, not %s", digest, d.DigestStr())
		}
		dst, served = repo.Digest(d.DigestStr()), served+"@"+d.DigestStr()
	} else {
		dst, served = repo.Tag(src.Identifier()), served+":"+src.Identifier()
	}
	if err := remote.Write(dst, img, remote.WithTransport(inProcess{l.handler})); err != nil {
		return fmt.Errorf("storing it failed: %v", err)
	}
	l.served[served] = digest.String()
	log.Printf("loaded %s as %s (%s) from %s", ref, served, digest, filepath.Base(path))
	return nil
}

// checkPlatform refuses images the lab's nodes cannot run; a config without
// os/architecture (a hand-made image) is taken as it is.
func checkPlatform(img v1.Image) error {
	cfg, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("bad image config: %v", err)
	}
	want := "linux/" + runtime.GOARCH
	if cfg.OS == "" && cfg.Architecture == "" {
		return nil
	}
	if got := cfg.OS + "/" + cfg.Architecture; got != want {
		return fmt.Errorf("the image is for %s; the nodes run %s", got, want)
	}
	return nil
}
