// Package sqlitedb is the "sqlite" accountdb backend: a SQLite file per account and per
// container under one directory, for single-node use and tests. Each file is in WAL mode
// and every change is one immediate transaction with the stats it implies, so several
// processes may share the directory (busy_timeout makes them wait for each other).
//
// A database's file is named by a hash of its account and container, in a directory
// named by the hash's first three characters, as Swift's hash directories are: escaped
// names would exceed the 255-byte file name limit (an account and a container may have
// 256 bytes each before escaping), and the names are stored inside the file anyway.
package sqlitedb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/config"
)

func init() {
	accountdb.Register("sqlite", func(settings map[string]string) (accountdb.Backend, error) {
		return Open(settings)
	}, func() []config.Key { return Keys(new(Settings)) })
}

// Settings are the backend's keys in an account or container server's config section.
type Settings struct {
	Dir           string
	BusyTimeoutMs int
}

// Keys is the sqlite backend's table.
func Keys(s *Settings) []config.Key {
	return []config.Key{
		config.String("db_dir", &s.Dir, "", "the directory of the database files").Required(),
		config.Int("busy_timeout_ms", &s.BusyTimeoutMs, defaultBusyTimeoutMs, "milliseconds a writer waits for another process's transaction").AtLeast(0),
	}
}

// defaultBusyTimeoutMs is Swift's broker timeout.
const defaultBusyTimeoutMs = 25000

// Backend keeps the database files under one directory.
type Backend struct {
	dir           string
	busyTimeoutMs int
	mu            sync.Mutex
	files         map[string]*dbFile
	pending       *pendingIndex
}

// Open opens (creating it if needed) the directory named by settings["db_dir"].
func Open(settings map[string]string) (*Backend, error) {
	var s Settings
	if err := config.SectionOf("sqlite backend", settings).Decode(Keys(&s)); err != nil {
		return nil, err
	}
	dir, busy := s.Dir, s.BusyTimeoutMs
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sqlite backend: %w", err)
	}
	b := &Backend{dir: dir, busyTimeoutMs: busy, files: map[string]*dbFile{}}
	pendingDB, err := sql.Open("sqlite3", b.dsn(filepath.Join(dir, "pending.db"), "rwc"))
	if err != nil {
		return nil, err
	}
	b.pending = &pendingIndex{db: pendingDB}
	if _, err := pendingDB.Exec(pendingSchema); err != nil {
		pendingDB.Close()
		return nil, fmt.Errorf("sqlite backend: pending index: %w", err)
	}
	return b, nil
}

// dsn is go-sqlite3's connection string: WAL, a busy timeout for other processes, and
// BEGIN IMMEDIATE so a transaction never has to upgrade a read lock (which fails at once
// in WAL mode instead of waiting).
func (b *Backend) dsn(path, mode string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return fmt.Sprintf("file:%s?mode=%s&_busy_timeout=%d&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate",
		escaped, mode, b.busyTimeoutMs)
}

// file returns the handle of a database file, one per path in this process.
func (b *Backend) file(kind string, names ...string) *dbFile {
	sum := sha256.Sum256([]byte(kind + "/" + strings.Join(names, "/")))
	hash := hex.EncodeToString(sum[:])
	path := filepath.Join(b.dir, kind+"s", hash[:3], hash+".db")
	b.mu.Lock()
	defer b.mu.Unlock()
	f, ok := b.files[path]
	if !ok {
		f = &dbFile{backend: b, path: path}
		b.files[path] = f
	}
	return f
}

// Container returns a container's handle.
func (b *Backend) Container(account, container string) accountdb.ContainerDB {
	return &containerDB{backend: b, file: b.file("container", account, container), account: account, container: container}
}

// Account returns an account's handle.
func (b *Backend) Account(account string) accountdb.AccountDB {
	return &accountDB{file: b.file("account", account), account: account}
}

// Close closes every open file.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, f := range b.files {
		if f.db != nil {
			errs = append(errs, f.db.Close())
		}
	}
	b.files = map[string]*dbFile{}
	errs = append(errs, b.pending.db.Close())
	return errors.Join(errs...)
}

// dbFile is one database file. Writers in this process take writeMu so they queue in Go
// instead of sleeping in SQLite's busy handler; other processes are kept out by SQLite.
type dbFile struct {
	backend *Backend
	path    string
	openMu  sync.Mutex
	db      *sql.DB
	writeMu sync.Mutex
}

// open returns the file's connection pool; ErrNotFound when the file does not exist and
// create is false.
func (f *dbFile) open(create bool) (*sql.DB, error) {
	f.openMu.Lock()
	defer f.openMu.Unlock()
	if f.db != nil {
		return f.db, nil
	}
	mode := "rw"
	if create {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return nil, err
		}
		mode = "rwc"
	} else if _, err := os.Stat(f.path); errors.Is(err, os.ErrNotExist) {
		return nil, accountdb.ErrNotFound
	}
	db, err := sql.Open("sqlite3", f.backend.dsn(f.path, mode))
	if err != nil {
		return nil, err
	}
	db.SetMaxIdleConns(4)
	f.db = db
	return db, nil
}

// isMissingTable is SQLite's answer for a file whose Initialize never committed.
func isMissingTable(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such table")
}

// write runs fn in one immediate transaction on an initialized database.
func (f *dbFile) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db, err := f.open(false)
	if err != nil {
		return err
	}
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	return inTransaction(ctx, db, fn)
}

func inTransaction(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		if isMissingTable(err) {
			return accountdb.ErrNotFound
		}
		return err
	}
	return tx.Commit()
}

// newToken is a report mark's token: unique across processes.
func newToken() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
