package ui

import (
	"io"
	"regexp"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// sgrRE matches the Select Graphic Rendition sequences in terminal output.
var sgrRE = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// TestColourProfiles runs the program under NO_COLOR (the Ascii profile) and on a 16-colour
// terminal, through the home screen, an incident and the playbook rendered as markdown: under
// NO_COLOR no colour is sent at all, on 16 colours none beyond the basic sixteen.
func TestColourProfiles(t *testing.T) {
	tests := []struct {
		profile colorprofile.Profile
		bad     *regexp.Regexp // a colour parameter the profile must not send
	}{
		// 30-37, 39, 40-47, 49, 90-97 and 100-107 are the basic colours; 38 and 48 extended ones.
		{colorprofile.Ascii, regexp.MustCompile(`(^|;)(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;|$)`)},
		{colorprofile.ANSI, regexp.MustCompile(`(^|;)(38|48)(;|:|$)`)},
	}
	for _, tt := range tests {
		t.Run(tt.profile.String(), func(t *testing.T) {
			m := New(testKB(t), Options{Incidents: incidentsFS(t), Now: func() time.Time { return testNow }})
			rec := &recorder{m: m}
			f := &flow{t: t, rec: rec, tm: teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(100, 30),
				teatest.WithProgramOptions(tea.WithColorProfile(tt.profile)))}
			f.waitFor("Recorded incidents")
			f.press("tab", "enter")
			f.waitFor("Suspected causes")
			f.press("tab", "tab", "tab", "s")
			f.waitFor("Playbook · ")
			f.press("tab", "tab", "enter") // focus wraps from the last slot to the tree, then causes
			f.waitFor("evidence for:")
			f.press("q")
			out, err := io.ReadAll(f.tm.FinalOutput(t, teatest.WithFinalTimeout(5*time.Second)))
			if err != nil {
				t.Fatal(err)
			}
			sgr := sgrRE.FindAllStringSubmatch(string(out), -1)
			if len(sgr) == 0 {
				t.Fatal("no styling sent at all")
			}
			for _, s := range sgr {
				if tt.bad.MatchString(s[1]) {
					t.Fatalf("%s profile sent colour %q", tt.profile, s[0])
				}
			}
		})
	}
}
