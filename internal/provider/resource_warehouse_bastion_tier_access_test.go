package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

// A bastion made before the recorded hop forwards ssh -J, unrecorded: its
// state has no tier_access (or OUTSCALE's user-data reads back as
// proxy-jump), and the plan replaces it. Others keep theirs.
func TestPlanTierAccess(t *testing.T) {
	t.Parallel()
	admins := types.ListValueMust(types.ObjectType{AttrTypes: adminAttrTypes}, nil)
	stateOf := func(mode string, tierAccess types.String) *bastionModel {
		return &bastionModel{Mode: types.StringValue(mode), TierAccess: tierAccess, Admins: admins}
	}
	for _, c := range []struct {
		name    string
		mode    string
		state   *bastionModel
		want    string
		replace bool
	}{
		{"new bastion", bastion.ModeOpenSSH, nil, bastion.TierAccessRecordedHop, false},
		{"made by an earlier version", bastion.ModeOpenSSH, stateOf(bastion.ModeOpenSSH, types.StringNull()), bastion.TierAccessRecordedHop, true},
		{"read back as ProxyJump", bastion.ModeOpenSSH, stateOf(bastion.ModeOpenSSH, types.StringValue(bastion.TierAccessProxyJump)),
			bastion.TierAccessRecordedHop, true},
		{"already a recorded hop", bastion.ModeOpenSSH, stateOf(bastion.ModeOpenSSH, types.StringValue(bastion.TierAccessRecordedHop)),
			bastion.TierAccessRecordedHop, false},
		{"the-bastion made by an earlier version", bastion.ModeTheBastion, stateOf(bastion.ModeTheBastion, types.StringNull()),
			bastion.TierAccessTheBastion, false},
		{"adopted after an import on OVHcloud", bastion.ModeOpenSSH, &bastionModel{Mode: types.StringNull(), TierAccess: types.StringNull(),
			Admins: types.ListNull(types.ObjectType{AttrTypes: adminAttrTypes})}, bastion.TierAccessRecordedHop, false},
	} {
		plan := &bastionModel{Mode: types.StringValue(c.mode)}
		replace := planTierAccess(plan, c.state)
		if plan.TierAccess.ValueString() != c.want || replace != c.replace {
			t.Errorf("%s: tier_access %s, replace %v; want %s, %v", c.name, plan.TierAccess, replace, c.want, c.replace)
		}
	}
	plan := &bastionModel{Mode: types.StringUnknown()}
	if planTierAccess(plan, nil) || !plan.TierAccess.IsUnknown() {
		t.Errorf("an unknown mode plans tier_access %s", plan.TierAccess)
	}
}

// The compliance report reads the posture back from the user-data: a
// bastion of this version passes HW-ADM-03 citing its sshd settings; one
// of an earlier version, which forwards ssh -J, fails it.
func TestTierAccessFacts_HWADM03(t *testing.T) {
	t.Parallel()
	hk, err := bastion.GenerateHostKey("wh-bastion")
	if err != nil {
		t.Fatal(err)
	}
	cfg := bastion.Config{Name: "wh-bastion", Cloud: "outscale", Mode: bastion.ModeOpenSSH, MFA: bastion.MFATOTP, SessionRecording: true,
		IdleTimeout: bastion.DefaultIdleTimeout, HostKey: hk,
		Admins: []bastion.Admin{{Name: "alice", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice"}}}
	userData, err := bastion.Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	current, err := bastion.Recover(userData)
	if err != nil {
		t.Fatal(err)
	}
	earlier := current
	earlier.Spec.TierAccess = ""
	earlier.SSHDConfig = strings.Replace(current.SSHDConfig, "AllowTcpForwarding no", "AllowTcpForwarding local", 1)
	for _, c := range []struct {
		name     string
		rec      bastion.Recovered
		want     compliance.Status
		evidence string
	}{
		{"this version", current, compliance.StatusPass, "tier_access = recorded-hop (sshd_config read back: AllowTcpForwarding no, " +
			"AllowStreamLocalForwarding no, PermitTunnel no, X11Forwarding no)"},
		{"an earlier version", earlier, compliance.StatusFail, "forwards without a session (AllowTcpForwarding local)"},
	} {
		s := compliance.Subject{Kind: compliance.KindBastion, Name: "wh-bastion",
			Bastion: &compliance.BastionFacts{MFA: c.rec.Spec.MFA, SessionRecording: c.rec.Spec.SessionRecording}}
		setTierAccessFacts(s.Bastion, c.rec)
		seen := false
		for _, f := range compliance.Evaluate(compliance.ProfileSecNumCloud, s, nil) {
			if f.Control != "HW-ADM-03" {
				continue
			}
			seen = true
			if f.Status != c.want || !strings.Contains(f.Evidence, c.evidence) {
				t.Errorf("%s: HW-ADM-03 = %s %q, want %s mentioning %q", c.name, f.Status, f.Evidence, c.want, c.evidence)
			}
		}
		if !seen {
			t.Errorf("%s: HW-ADM-03 was not evaluated", c.name)
		}
	}
}
