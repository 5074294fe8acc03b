package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
)

// ErrNotSeekable is returned by OpenFile for a capture that cannot be read at random (gzip).
var ErrNotSeekable = errors.New("compressed capture: decompress it to page through its packets")

// File is a capture file opened for viewing: analysed once from start to end, building the packet
// index, then any packet read again by number without keeping packets in memory.
type File struct {
	f     viewable
	Index Index
	// mu guards the format state, which the analysis fills in while a viewer may read packets.
	mu     sync.Mutex
	format Format
	pcap   pcapState
	ng     ngState
	own    *PacketReader // Packet's reader
}

// viewable is what paging through a capture needs of its file: reading it from the start once,
// then any packet again at its offset. An *os.File has it, and so do the files of embed.FS and
// fstest.MapFS.
type viewable interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
}

// OpenFile opens a pcap or pcapng file for viewing. Call Analyze before Packet.
func OpenFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	return newFile(f, path)
}

// OpenFS opens a pcap or pcapng file of fsys for viewing, such as a recording embedded in the
// program. The file must allow reading at an offset (those of embed.FS do).
func OpenFS(fsys fs.FS, name string) (*File, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	v, ok := f.(viewable)
	if !ok {
		f.Close()
		return nil, fmt.Errorf("capture: %s: the file cannot be read at an offset, so its packets cannot be paged through", name)
	}
	return newFile(v, name)
}

func newFile(f viewable, name string) (*File, error) {
	var head [2]byte
	if _, err := f.ReadAt(head[:], 0); err == nil && head == [2]byte{0x1f, 0x8b} {
		f.Close()
		return nil, fmt.Errorf("capture: %s: %w", name, ErrNotSeekable)
	}
	return &File{f: f}, nil
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// Analyze reads the whole file (see the package function Analyze), filling the index as it goes,
// so a viewer can show the packets already indexed while the rest is read.
func (f *File) Analyze(ctx context.Context, opts Options) (Summary, error) {
	if _, err := f.f.Seek(0, io.SeekStart); err != nil {
		return Summary{}, fmt.Errorf("capture: %w", err)
	}
	opts.Index = &f.Index
	return analyze(ctx, f.f, opts, func(r *Reader) {
		f.mu.Lock()
		f.format, f.pcap, f.ng = r.format, r.pcap, ngState{order: r.ng.order, ifaces: append([]ngIface(nil), r.ng.ifaces...)}
		f.mu.Unlock()
		r.onIfaces = func(st ngState) {
			f.mu.Lock()
			f.ng = ngState{order: st.order, ifaces: append([]ngIface(nil), st.ifaces...)}
			f.mu.Unlock()
		}
	})
}

// Packet reads packet number n (from 1) again. The packet's Data is valid until the next call.
// Only packets already indexed can be read, and it may be called while Analyze runs (from one
// goroutine at a time; others use a PacketReader of their own); for a pcapng file with several
// sections, interfaces are those of the latest section read.
func (f *File) Packet(n int64) (Packet, error) {
	if f.own == nil {
		f.own = f.NewPacketReader()
	}
	return f.own.Packet(n)
}

// PacketReader reads packets of a File by number with a buffer of its own, so that several
// goroutines (the screen, a filter running through the file) can each have one.
type PacketReader struct {
	f   *File
	buf *source
}

// NewPacketReader returns a reader of the file's packets.
func (f *File) NewPacketReader() *PacketReader {
	return &PacketReader{f: f, buf: newSourceSize(nil, 64<<10)}
}

// Packet reads packet number n; its Data is valid until the reader's next call.
func (pr *PacketReader) Packet(n int64) (Packet, error) {
	f := pr.f
	e, ok := f.Index.At(n)
	if !ok {
		return Packet{}, fmt.Errorf("capture: no packet %d (%d indexed)", n, f.Index.Len())
	}
	src := pr.buf
	src.r, src.pos, src.end, src.off, src.err, src.zero = io.NewSectionReader(f.f, e.Offset, maxBlock), 0, 0, e.Offset, nil, 0
	f.mu.Lock()
	rd := Reader{src: src, format: f.format, pcap: f.pcap, ng: f.ng}
	f.mu.Unlock()
	var (
		p   Packet
		err error
	)
	if rd.format == FormatPcap {
		p, err = rd.nextPcap()
	} else {
		p, err = rd.nextNG()
	}
	if err != nil {
		return Packet{}, fmt.Errorf("capture: packet %d: %w", n, err)
	}
	p.Number, p.Time = n, e.Time
	return p, nil
}
