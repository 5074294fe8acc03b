package analyze

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// streamAll reads paths through Stream, building the timeline from the updates as a screen does.
func streamAll(t *testing.T, paths []string, interval time.Duration) (*Timeline, Update, int) {
	t.Helper()
	var tl Timeline
	var last Update
	n := 0
	for u := range Stream(context.Background(), kb(t), paths, nil, Options{}, interval) {
		n++
		for _, ev := range u.Evidence {
			tl.Add(ev)
		}
		for _, a := range u.Attempts {
			tl.AddAttempt(a)
		}
		if u.Read > u.Total && u.Total > 0 {
			t.Errorf("read %d of %d bytes", u.Read, u.Total)
		}
		if u.Done {
			last = u
			tl.Finish()
		}
	}
	if !last.Done {
		t.Fatal("the stream closed without a last update")
	}
	return &tl, last, n
}

// TestStreamMatchesCollect reads every recorded scenario both ways: the timeline built from the
// stream's updates, once all is read, is the one Collect returns (evidence, order, attempts), and
// so are the inputs and the failure.
func TestStreamMatchesCollect(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/scenarios/*")
	if err != nil {
		t.Fatal(err)
	}
	var scenarios []string
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			scenarios = append(scenarios, d)
		}
	}
	if len(scenarios) < 10 {
		t.Fatalf("found %d recorded scenarios", len(scenarios))
	}
	withAttempts := 0
	for _, dir := range scenarios {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want, wantIn, wantErr := Collect(context.Background(), kb(t), []string{dir}, nil, Options{})
			// An interval shorter than the reading makes many small batches, each one sorted
			// into the timeline on its own.
			tl, last, n := streamAll(t, []string{dir}, 50*time.Microsecond)
			got := tl.Evidence()
			if len(got) != len(want) {
				t.Fatalf("%d pieces streamed, Collect found %d (after %d updates)", len(got), len(want), n)
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("piece %d of %d differs:\nstreamed %+v\ncollected %+v", i, len(want), got[i], want[i])
				}
				if len(want[i].Attempts) > 0 {
					withAttempts++
				}
			}
			if !reflect.DeepEqual(last.Inputs, wantIn) || !reflect.DeepEqual(last.Err, wantErr) {
				t.Errorf("inputs %+v, %v; want %+v, %v", last.Inputs, last.Err, wantIn, wantErr)
			}
			if last.Total <= 0 || last.Read <= 0 {
				t.Errorf("read %d of %d bytes", last.Read, last.Total)
			}
		})
	}
	if withAttempts == 0 {
		t.Error("no scenario's evidence carried attempts: the comparison left them out")
	}
}

// TestTimelineOrder feeds a timeline pieces and attempts out of time order and checks the result
// against the batch rule (sorted by time, ties in arrival order, attempts with the first piece
// not earlier than them, the later ones with the last piece).
func TestTimelineOrder(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(1700000000+int64(s), 0) }
	ev := func(s int, sig string) diagnose.Evidence { return diagnose.Evidence{At: at(s), Signal: sig} }
	att := func(s int, src string) diagnose.Attempt { return diagnose.Attempt{At: at(s), Source: src} }

	var tl Timeline
	tl.AddAttempt(att(9, "late"))
	tl.AddAttempt(att(1, "a1"))
	if i := tl.Add(ev(5, "e5")); i != 0 {
		t.Errorf("first piece at %d", i)
	}
	if i := tl.AddAttempt(att(5, "a5")); i != 0 {
		t.Errorf("attempt at the piece's time goes with piece %d, want 0", i)
	}
	if i := tl.Add(ev(2, "e2")); i != 0 {
		t.Errorf("earlier piece at %d, want 0", i)
	}
	if i := tl.Add(ev(5, "e5b")); i != 2 {
		t.Errorf("tie at %d, want after the first one (2)", i)
	}
	if i := tl.AddAttempt(att(3, "a3")); i != 1 {
		t.Errorf("attempt goes with piece %d, want 1", i)
	}
	if i := tl.AddAttempt(att(12, "later")); i != 3 {
		t.Errorf("attempt later than all goes with %d, want 3", i)
	}
	if i := tl.Add(ev(10, "e10")); i != 3 {
		t.Errorf("last piece at %d, want 3", i)
	}
	var during [][]string
	for i := range tl.Evidence() {
		var srcs []string
		tl.Attempts(i, func(a diagnose.Attempt) { srcs = append(srcs, a.Source) })
		during = append(during, srcs)
	}
	if want := [][]string{{"a1"}, {"a3", "a5"}, nil, {"late"}}; !reflect.DeepEqual(during, want) {
		t.Errorf("while reading, the pieces' attempts are %v, want %v", during, want)
	}
	tl.Finish()
	want := []struct {
		sig  string
		atts []string
	}{{"e2", []string{"a1"}}, {"e5", []string{"a3", "a5"}}, {"e5b", nil}, {"e10", []string{"late", "later"}}}
	got := tl.Evidence()
	if len(got) != len(want) {
		t.Fatalf("%d pieces, want %d", len(got), len(want))
	}
	for i, w := range want {
		var srcs []string
		for _, a := range got[i].Attempts {
			srcs = append(srcs, a.Source)
		}
		if got[i].Signal != w.sig || !reflect.DeepEqual(srcs, w.atts) {
			t.Errorf("piece %d: %s with %v, want %s with %v", i, got[i].Signal, srcs, w.sig, w.atts)
		}
	}
	// The batch rule, on the same input, agrees.
	batch := withAttempts([]diagnose.Evidence{ev(2, "e2"), ev(5, "e5"), ev(5, "e5b"), ev(10, "e10")},
		[]diagnose.Attempt{att(9, "late"), att(1, "a1"), att(5, "a5"), att(3, "a3"), att(12, "later")})
	if !reflect.DeepEqual(batch, got) {
		t.Errorf("batch %+v\nstreamed %+v", batch, got)
	}
}

// TestStreamCanceled stops a stream at once: the last update says so and the channel closes.
func TestStreamCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var last Update
	for u := range Stream(ctx, kb(t), []string{"../testdata/scenarios"}, nil, Options{}, time.Millisecond) {
		last = u
	}
	if !last.Done || last.Err == nil {
		t.Errorf("last update %+v, want Done with the cancellation", last)
	}
}
