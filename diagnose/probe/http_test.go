package probe

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestGatewayFaultRecognised(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Apigee-fault-code", "protocol.http.ProxyTunnelCreationFailed")
		w.Header().Set("X-Apigee-fault-source", "target")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"fault":{"faultstring":"Proxy refused to create tunnel with response status 403","detail":{"errorcode":"protocol.http.ProxyTunnelCreationFailed"}}}`)
	}))
	defer srv.Close()
	r, err := Run(context.Background(), &Options{Target: mustURL(t, srv.URL+"/v1/orders")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := r.HTTP
	if h == nil || h.Status != 503 || h.FaultSource != "target" || h.Fault == nil || h.Fault.Code != "protocol.http.ProxyTunnelCreationFailed" || h.Fault.TunnelStatus() != 403 {
		t.Fatalf("http result %+v", h)
	}
	var got []string
	for _, ev := range Evidence(kb(t), r) {
		got = append(got, ev.Signal)
	}
	for _, want := range []string{"http.response.503", "gateway.fault-source.target", "gateway.fault.tunnel-failed", "proxy.connect.status.403"} {
		if !slices.Contains(got, want) {
			t.Errorf("evidence %q lacks %s", got, want)
		}
	}
}
