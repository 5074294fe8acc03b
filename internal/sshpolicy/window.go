package sshpolicy

import "encoding/binary"

// The largest terminal a session is drawn for. A screen costs about 500 bytes a cell, so a
// client claiming 4000x4000 would cost 8 GB; 400x150 (60,000 cells, about 30 MB) is wider and
// taller than a full-screen terminal at a small font on a large display.
const (
	MaxColumns = 400
	MaxRows    = 150
)

// maxPixels bounds the pixel sizes, which nothing draws with but which are passed on.
const maxPixels = 1 << 15

// Window is a terminal size in cells.
type Window struct{ Columns, Rows int }

// ClampPtyRequest rewrites a "pty-req" payload (RFC 4254 §6.2: string TERM, uint32 columns,
// rows, width and height in pixels, string modes) so that its size is at most MaxColumns by
// MaxRows. It returns the new payload, the size asked and the size kept; ok is false for a
// payload too short to hold a size.
func ClampPtyRequest(p []byte) (out []byte, asked, kept Window, ok bool) {
	if len(p) < 4 {
		return p, asked, kept, false
	}
	n := binary.BigEndian.Uint32(p)
	if uint64(n)+4+16 > uint64(len(p)) {
		return p, asked, kept, false
	}
	out = append([]byte(nil), p...)
	asked, kept = clampDims(out[4+n:])
	return out, asked, kept, true
}

// ClampWindowChange rewrites a "window-change" payload (RFC 4254 §6.7: uint32 columns, rows,
// width and height in pixels) the same way.
func ClampWindowChange(p []byte) (out []byte, asked, kept Window, ok bool) {
	if len(p) < 16 {
		return p, asked, kept, false
	}
	out = append([]byte(nil), p...)
	asked, kept = clampDims(out)
	return out, asked, kept, true
}

// clampDims clamps the four uint32 at the start of b in place.
func clampDims(b []byte) (asked, kept Window) {
	be := binary.BigEndian
	cols, rows := be.Uint32(b), be.Uint32(b[4:])
	asked = Window{Columns: int(min(cols, 1<<30)), Rows: int(min(rows, 1<<30))}
	cols, rows = min(cols, MaxColumns), min(rows, MaxRows)
	be.PutUint32(b, cols)
	be.PutUint32(b[4:], rows)
	be.PutUint32(b[8:], min(be.Uint32(b[8:]), maxPixels))
	be.PutUint32(b[12:], min(be.Uint32(b[12:]), maxPixels))
	return asked, Window{Columns: int(cols), Rows: int(rows)}
}
