package ui

import "testing"

func TestShareAddsUp(t *testing.T) {
	tests := []struct {
		total   int
		weights []int
		want    []int
	}{
		{80, []int{1, 1}, []int{40, 40}},
		{81, []int{1, 1}, []int{40, 41}},
		{22, []int{3, 2}, []int{13, 9}},
		{5, []int{0, 1}, []int{2, 3}},
		{0, []int{1, 2}, []int{0, 0}},
	}
	for _, tt := range tests {
		got := share(tt.total, tt.weights)
		sum := 0
		for i := range got {
			sum += got[i]
			if got[i] != tt.want[i] {
				t.Errorf("share(%d, %v) = %v, want %v", tt.total, tt.weights, got, tt.want)
				break
			}
		}
		if sum != tt.total {
			t.Errorf("share(%d, %v) sums to %d", tt.total, tt.weights, sum)
		}
	}
}
