package logs

import (
	"context"
	"testing"
)

func TestReadOverview(t *testing.T) {
	ov, err := ReadOverview(context.Background(), "testdata/scenarios/backend.overloaded/nginx/error.log", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ov.Format != NginxError || len(ov.Backends) != 1 || ov.Backends[0].Name != "127.0.0.1:18190" {
		t.Fatalf("overview %s %+v", ov.Format, ov.Backends)
	}
	var sum int
	for _, n := range ov.Backends[0].PerMinute {
		sum += n
	}
	if int64(sum) != ov.Backends[0].Total || int64(len(ov.Lines)) != ov.Backends[0].Total || ov.First.IsZero() || ov.Last.Before(ov.First) {
		t.Fatalf("per minute %v, total %d, %d lines, %v–%v", ov.Backends[0].PerMinute, ov.Backends[0].Total, len(ov.Lines), ov.First, ov.Last)
	}
	ov, err = ReadOverview(context.Background(), "testdata/scenarios/request.pattern/apache/access.log", Options{})
	if err != nil || ov.Format != Access || len(ov.Lines) != 4 || ov.Backends[0].Name != "requests" {
		t.Fatalf("access overview %v %s %d lines %+v", err, ov.Format, len(ov.Lines), ov.Backends)
	}
	if _, err := ReadOverview(context.Background(), "testdata/record/README.md", Options{}); err == nil {
		t.Fatal("a README read as a log")
	}
}
