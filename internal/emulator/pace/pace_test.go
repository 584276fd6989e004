package pace

import (
	"testing"
	"time"
)

func TestPace(t *testing.T) {
	t.Parallel()
	var nilPace *Pace
	if !nilPace.Ready("vm", "i-1", "pending") {
		t.Fatal("a nil pace holds a transition")
	}
	p := &Pace{Reads: 3}
	for i := 1; i <= 3; i++ {
		if got := p.Ready("vm", "i-1", "pending"); got != (i == 3) {
			t.Fatalf("read %d of a 3-read state: ready = %v", i, got)
		}
	}
	if p.Ready("vm", "i-1", "stopping") {
		t.Fatal("a new state starts counting again")
	}
	now := time.Unix(1000, 0)
	timed := &Pace{Delay: 2 * time.Second, Now: func() time.Time { return now }}
	if timed.Ready("nat", "nat-1", "pending") {
		t.Fatal("ready before the delay")
	}
	now = now.Add(time.Second)
	if timed.Ready("nat", "nat-1", "pending") {
		t.Fatal("ready one second into a two-second state")
	}
	now = now.Add(time.Second)
	if !timed.Ready("nat", "nat-1", "pending") {
		t.Fatal("not ready once the delay has passed")
	}
}

func TestPace_expiredAfterHold(t *testing.T) {
	t.Parallel()
	entered := time.Unix(1000, 0)
	var nilPace *Pace
	if nilPace.Expired(entered, entered.Add(DefaultHold-time.Millisecond)) || !nilPace.Expired(entered, entered.Add(DefaultHold)) {
		t.Fatalf("a nil pace holds a state for %s", DefaultHold)
	}
	slow := &Pace{Delay: 5 * time.Second}
	if slow.Expired(entered, entered.Add(4*time.Second)) || !slow.Expired(entered, entered.Add(5*time.Second)) {
		t.Fatal("a pace holds a state for its Delay")
	}
	if !slow.Expired(time.Time{}, entered) {
		t.Fatal("a state entered at an unknown time is held forever")
	}
}
