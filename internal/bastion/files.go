package bastion

import (
	"fmt"
	"strings"
)

// The files the bastion's first boot writes, besides sshd_config and the
// firewall.

// Paths of the other files.
const (
	PathPAMSSHD         = "/etc/pam.d/sshd"
	PathSudoersEnroll   = "/etc/sudoers.d/90-bastion-mfa-enroll"
	PathAuditRules      = "/etc/audit/rules.d/90-health-bastion.rules"
	PathAuditImmutable  = "/etc/audit/rules.d/99-health-bastion-immutable.rules"
	PathAuditSyslog     = "/etc/audit/plugins.d/syslog.conf"
	PathJournald        = "/etc/systemd/journald.conf.d/90-health-bastion.conf"
	PathTlogConfig      = "/etc/tlog/tlog-rec-session.conf"
	PathAutoUpgrades    = "/etc/apt/apt.conf.d/20auto-upgrades"
	PathUnattended      = "/etc/apt/apt.conf.d/52health-bastion-unattended-upgrades"
	PathAptSandbox      = "/etc/apt/apt.conf.d/53health-bastion-sandbox"
	PathProfileTimeout  = "/etc/profile.d/health-bastion-timeout.sh"
	PathSpec            = "/etc/health-bastion/bastion.json"
	PathShipScript      = "/usr/local/sbin/health-bastion-audit-ship"
	PathShipEnv         = "/etc/health-bastion/audit-ship.env"
	PathShipService     = "/etc/systemd/system/health-bastion-audit-ship.service"
	PathShipTimer       = "/etc/systemd/system/health-bastion-audit-ship.timer"
	PathJournalSeal     = "/usr/local/sbin/health-bastion-journal-seal"
	shipStateDir        = "/var/lib/health-bastion"
	theBastionDirectory = "/opt/bastion"
)

// PAMSSHD is /etc/pam.d/sshd with TOTP as the only "auth" step: the key is
// checked by sshd before PAM runs (AuthenticationMethods), and no password
// is ever asked. Without nullok, an administrator with no enrolled secret
// cannot pass; those still enrolling never reach PAM's auth (see the Match
// block of sshd_config).
func PAMSSHD(issuer string) string {
	return fmt.Sprintf(`# %s — written at first boot by terraform-provider-health.
# The SSH key is the first factor (sshd's AuthenticationMethods); PAM adds
# the second: a TOTP code. No password, no nullok.
auth [success=done default=die] pam_google_authenticator.so secret=%s/${USER} user=root echo_verification_code allowed_perm=0600
auth requisite pam_deny.so

account required pam_nologin.so
@include common-account

session [success=ok ignore=ignore module_unknown=ignore default=bad] pam_selinux.so close
session required pam_loginuid.so
session optional pam_keyinit.so force revoke
@include common-session
session optional pam_mail.so standard noenv
session required pam_limits.so
session required pam_env.so
session required pam_env.so user_readenv=0 envfile=/etc/default/locale
session [success=ok ignore=ignore module_unknown=ignore default=bad] pam_selinux.so open
# %s
`, PathPAMSSHD, PathMFASecrets, issuer)
}

// MFAEnrollScript enrols the calling administrator's TOTP secret, once.
// sshd runs it through sudo for members of the pending group; the secret
// is root's, so that an administrator cannot read, copy or remove it.
func MFAEnrollScript(bastionName string) string {
	return `#!/bin/sh
# Enrols the TOTP second factor of the administrator who runs it, once.
# sshd's ForceCommand runs it through sudo for members of ` + GroupMFAPending + `.
set -eu
user="${SUDO_USER:-}"
case "$user" in
  ""|*[!a-z0-9_-]*) echo "bastion-mfa-enroll: run it by logging in over SSH" >&2; exit 1 ;;
esac
if ! id -nG "$user" | tr ' ' '\n' | grep -qx '` + GroupMFAPending + `'; then
  echo "$user has enrolled already. Log in with your key and a code from your app." >&2
  exit 1
fi
secret="` + PathMFASecrets + `/$user"
if [ -e "$secret" ]; then
  echo "A secret exists for $user already; ask another administrator to replace the bastion." >&2
  exit 1
fi
umask 077
echo "Enrolling the second factor of $user on the bastion ` + bastionName + `."
echo "Scan the code with an authenticator app, then type the code it shows to confirm."
google-authenticator --time-based --disallow-reuse --force --rate-limit=3 --rate-time=30 \
  --window-size=3 --emergency-codes=5 --qr-mode=UTF8 \
  --issuer=health-bastion --label="$user@` + bastionName + `" --secret="$secret"
chown root:root "$secret"
chmod 0600 "$secret"
gpasswd -d "$user" ` + GroupMFAPending + ` >/dev/null
logger -p authpriv.notice -t bastion-mfa-enroll "TOTP enrolled for $user"
echo "Enrolled. From now on the bastion asks for a code after your key: log in again."
`
}

// SudoersEnroll lets pending administrators run the enrolment script as
// root, and nothing else. No administrator has any other sudo right.
func SudoersEnroll() string {
	return fmt.Sprintf("# Written at first boot by terraform-provider-health.\n"+
		"%%%s ALL=(root) NOPASSWD: %s\n", GroupMFAPending, PathMFAEnroll)
}

// AuditRules are auditd's rules: changes to the files that decide who gets
// in, every command administrators run, and every connection they open
// (the recorded hops' ssh to the tiers' hosts included).
func AuditRules() string {
	return `## Written at first boot by terraform-provider-health.
## Who may log in, and how.
-w /etc/ssh/ -p wa -k bastion-sshd
-w /etc/pam.d/ -p wa -k bastion-pam
-w ` + PathMFASecrets + `/ -p wa -k bastion-mfa
-w /etc/passwd -p wa -k bastion-identity
-w /etc/group -p wa -k bastion-identity
-w /etc/shadow -p wa -k bastion-identity
-w /etc/gshadow -p wa -k bastion-identity
-w /etc/sudoers -p wa -k bastion-privilege
-w /etc/sudoers.d/ -p wa -k bastion-privilege
## The firewall, the audit trail and its shipping.
-w ` + PathNftables + ` -p wa -k bastion-firewall
-w /etc/audit/ -p wa -k bastion-audit
-w /etc/health-bastion/ -p wa -k bastion-audit
-w /var/log/journal/ -p wa -k bastion-audit
## What administrators run and where they connect.
-a always,exit -F arch=b64 -S execve,execveat -F auid>=1000 -F auid!=4294967295 -k bastion-exec
-a always,exit -F arch=b32 -S execve,execveat -F auid>=1000 -F auid!=4294967295 -k bastion-exec
-a always,exit -F arch=b64 -S connect -F auid>=1000 -F auid!=4294967295 -k bastion-connect
-a always,exit -F arch=b32 -S connect -F auid>=1000 -F auid!=4294967295 -k bastion-connect
## Changes of identity and privilege.
-a always,exit -F arch=b64 -S setuid,setgid,setreuid,setregid -F auid>=1000 -F auid!=4294967295 -k bastion-privilege
`
}

// AuditImmutable locks auditd's rules until the next boot: not even root
// can remove them without a reboot, which itself is logged.
func AuditImmutable() string {
	return "## Written at first boot by terraform-provider-health: rules locked until reboot.\n-e 2\n"
}

// AuditSyslogPlugin sends audit events to syslog, hence to the journal,
// which is what the shipping copies.
func AuditSyslogPlugin() string {
	return `# Written at first boot by terraform-provider-health: audit events go to the journal too.
active = yes
direction = out
path = /sbin/audisp-syslog
type = always
args = LOG_INFO LOG_AUTHPRIV
format = string
`
}

// JournaldConfig keeps the journal on disk, sealed against tampering by a
// forward-secure key (made at first boot by JournalSealScript).
func JournaldConfig() string {
	return `# Written at first boot by terraform-provider-health.
[Journal]
Storage=persistent
Compress=yes
Seal=yes
SystemMaxUse=2G
MaxRetentionSec=1year
`
}

// JournalSealInterval is how often journald's sealing key evolves: a root
// intruder can alter, unnoticed, no more than the last interval's entries.
const JournalSealInterval = "15min"

// JournalSealScript sets up journald's Forward Secure Sealing once, at
// first boot: `journalctl --setup-keys` leaves the sealing key in the
// journal's directory, where journald needs it, and prints the
// verification key, which goes to the shipping spool (root only) to be
// moved to the audit bucket, away from the host (see ShipScript). With
// the key off the host, `journalctl --verify --verify-key=KEY` on a copy
// of the journal shows whether it was altered. Journal files are rotated
// so that sealing starts at once.
func JournalSealScript() string {
	return `#!/bin/sh
# Sets up journald's Forward Secure Sealing, once.
# Written at first boot by terraform-provider-health.
set -eu
state=` + shipStateDir + `
spool="$state/spool"
umask 077
mkdir -p "$spool"
chmod 0700 "$state" "$spool"
machine=$(cat /etc/machine-id)
if [ -e "/var/log/journal/$machine/fss" ]; then
  exit 0
fi
# Not on a terminal, journalctl prints the verification key alone (its
# source says so; unverified on the images themselves).
journalctl --setup-keys --interval=` + JournalSealInterval + ` > "$spool/journal-verification-key.new"
test -s "$spool/journal-verification-key.new"
mv "$spool/journal-verification-key.new" "$spool/journal-verification-key-$(date -u +%Y%m%dT%H%M%SZ).txt"
journalctl --rotate
`
}

// TlogConfig records interactive sessions into the journal, which
// administrators cannot write to. Keystrokes are not recorded (they would
// capture codes and passwords typed to other hosts); what the terminal
// shows is.
func TlogConfig() string {
	return `{
    "shell": "` + PathPlainShell + `",
    "notice": "\nThis session on the warehouse bastion is recorded.\n\n",
    "writer": "journal",
    "journal": { "priority": "info", "augment": true },
    "log": { "input": false, "output": true, "window": true }
}
`
}

// AutoUpgrades turns on the daily apt runs.
func AutoUpgrades() string {
	return `// Written at first boot by terraform-provider-health.
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
APT::Periodic::AutocleanInterval "7";
`
}

// UnattendedUpgrades installs security updates every day, and reboots for
// a new kernel at night when nobody is logged in.
func UnattendedUpgrades() string {
	return `// Written at first boot by terraform-provider-health.
Unattended-Upgrade::Origins-Pattern {
        "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
        "origin=Debian,codename=${distro_codename},label=Debian";
        "origin=Ubuntu,archive=${distro_codename}-security";
};
Unattended-Upgrade::Remove-Unused-Dependencies "true";
Unattended-Upgrade::Automatic-Reboot "true";
Unattended-Upgrade::Automatic-Reboot-WithUsers "false";
Unattended-Upgrade::Automatic-Reboot-Time "03:30";
Unattended-Upgrade::SyslogEnable "true";
`
}

// AptSandbox keeps apt's downloads in root's hands: the firewall lets only
// root reach the web ports.
func AptSandbox() string {
	return "// Written at first boot by terraform-provider-health: the host firewall lets only root out on 80/443.\n" +
		"APT::Sandbox::User \"root\";\n"
}

// ProfileTimeout closes idle interactive shells, on top of sshd's
// ChannelTimeout.
func ProfileTimeout(seconds int) string {
	return fmt.Sprintf("# Written at first boot by terraform-provider-health: idle shells close.\n"+
		"TMOUT=%d\nreadonly TMOUT\nexport TMOUT\n", seconds)
}

// ShipScript copies what the journal gained since the last run (sshd,
// sudo, the audit events, the tlog recordings) to the audit bucket, and in
// the-bastion mode the closed ttyrec recordings too. It runs as root from a
// systemd timer. A failed upload keeps the export for the next run.
func ShipScript(mode string) string {
	var b strings.Builder
	b.WriteString(`#!/bin/sh
# Ships the bastion's audit trail to the audit bucket (rclone, S3 API).
# Written at first boot by terraform-provider-health; runs from a timer.
set -eu
state=` + shipStateDir + `
spool="$state/spool"
mkdir -p "$spool"
chmod 0700 "$state" "$spool"
host=$(hostname)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
export_file="$spool/journal-$stamp.export"
journalctl --cursor-file="$state/journal.cursor" -o export --no-pager > "$export_file"
if [ -s "$export_file" ]; then
  gzip -9 "$export_file"
else
  rm -f "$export_file"
fi
dest="audit:${AUDIT_BUCKET}/${AUDIT_PREFIX}${host}"
# The journal's verification key (JournalSealScript): once shipped, it is
# gone from the host.
rclone move "$spool" "$dest/journal-seal" --include 'journal-verification-key-*.txt' --s3-no-check-bucket --no-check-dest --s3-no-head --quiet
# The key may only write (s3:PutObject): no listing, no HEAD of the bucket or the uploads.
rclone move "$spool" "$dest/journal" --include 'journal-*.export.gz' --s3-no-check-bucket --no-check-dest --s3-no-head --quiet
`)
	if mode == ModeTheBastion {
		b.WriteString(`# The Bastion's session recordings, once closed (untouched for 15 minutes), each
# shipped once: those closed since the last run that shipped (the key cannot list
# what the bucket holds).
touch -d '-15 minutes' "$state/ttyrec.upto.new"
if [ -f "$state/ttyrec.upto" ]; then since="-newer $state/ttyrec.upto"; else since=""; fi
# shellcheck disable=SC2086
find /home -path '/home/*/ttyrec/*' -type f ! -newer "$state/ttyrec.upto.new" $since | sed 's|^/home/||' > "$state/ttyrec.list"
rclone copy /home "$dest/ttyrec" --files-from "$state/ttyrec.list" --s3-no-check-bucket --no-check-dest --s3-no-head --quiet
mv "$state/ttyrec.upto.new" "$state/ttyrec.upto"
`)
	}
	b.WriteString(`# OUTSCALE's API logs (ReadApiLogs) since the last pull, with the same key (its
# policy allows api:ReadApiLogs), into api-logs/: a page every run, empty or not,
# shows the pull works. curl signs (OSC4-HMAC-SHA256; against the real API,
# unverified beyond OUTSCALE's curl examples); the key goes in on stdin,
# never on a command line that other users can read.
if [ -n "${OSC_API_LOGS_ENDPOINT:-}" ]; then
  before=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  after=$(cat "$state/api-logs.after" 2>/dev/null || date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S.000Z)
  page=0
  token=""
  while :; do
    out="$spool/api-logs-$stamp-$page.json"
    jq -nc --arg a "$after" --arg b "$before" --arg t "$token" \
      '{Filters: {QueryDateAfter: $a, QueryDateBefore: $b}, ResultsPerPage: 1000} + (if $t == "" then {} else {NextPageToken: $t} end)' \
      > "$state/api-logs.request"
    printf 'user = "%s:%s"\n' "$RCLONE_CONFIG_AUDIT_ACCESS_KEY_ID" "$RCLONE_CONFIG_AUDIT_SECRET_ACCESS_KEY" |
      curl --config - --silent --show-error --fail --aws-sigv4 "osc:osc:${OSC_API_LOGS_REGION}:api" \
        -H 'Content-Type: application/json' --data-binary @"$state/api-logs.request" \
        -o "$out.part" "$OSC_API_LOGS_ENDPOINT/ReadApiLogs"
    mv "$out.part" "$out"
    token=$(jq -r '.NextPageToken // ""' "$out")
    page=$((page + 1))
    [ -n "$token" ] || break
  done
  echo "$before" > "$state/api-logs.after"
  rclone move "$spool" "$dest/api-logs" --include 'api-logs-*.json' --s3-no-check-bucket --no-check-dest --s3-no-head --quiet
fi
# The OVHcloud account's audit logs (GET /me/logs/audit: logins, IAM changes)
# newer than the last pull, read with the bastion's own service account, whose
# IAM policy allows account:apiovh:me/logs/audit/get only, into account-logs/:
# a file every run, empty or not, shows the pull works. The client secret goes
# to curl on stdin, never on a command line that other users can read. The
# route takes no time filter: records are kept when their createdAt sorts after
# the newest one already pulled (fixed-width UTC times; the real API's format is
# unverified).
if [ -n "${OVH_ACCOUNT_LOGS_ENDPOINT:-}" ]; then
  printf 'user = "%s:%s"\n' "$OVH_ACCOUNT_LOGS_CLIENT_ID" "$OVH_ACCOUNT_LOGS_CLIENT_SECRET" |
    curl --config - --silent --show-error --fail -d grant_type=client_credentials -d scope=all \
      -o "$state/account-logs.token" "$OVH_ACCOUNT_LOGS_TOKEN_URL"
  chmod 0600 "$state/account-logs.token"
  printf 'header = "Authorization: Bearer %s"\n' "$(jq -r .access_token "$state/account-logs.token")" |
    curl --config - --silent --show-error --fail -o "$state/account-logs.all" "$OVH_ACCOUNT_LOGS_ENDPOINT/me/logs/audit"
  rm -f "$state/account-logs.token"
  after=$(cat "$state/account-logs.after" 2>/dev/null || echo "")
  out="$spool/account-logs-$stamp.json"
  jq -c --arg a "$after" '[.[] | select(.createdAt > $a)] | sort_by(.createdAt)' "$state/account-logs.all" > "$out.part"
  mv "$out.part" "$out"
  newest=$(jq -r 'if length > 0 then .[-1].createdAt else "" end' "$out")
  if [ -n "$newest" ]; then echo "$newest" > "$state/account-logs.after"; fi
  rm -f "$state/account-logs.all"
  rclone move "$spool" "$dest/account-logs" --include 'account-logs-*.json' --s3-no-check-bucket --no-check-dest --s3-no-head --quiet
fi
`)
	return b.String()
}

// ShipEnv configures rclone's "audit" remote. It holds the bucket's
// secret: root-only, like the host key.
func ShipEnv(a AuditBucket) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	region := a.Region
	if region == "" {
		region = "other-v2-signature"
	}
	lines := []string{
		"# Written at first boot by terraform-provider-health. Root only: it holds the bucket's secret.",
		"AUDIT_BUCKET=" + quote(a.Bucket),
		"AUDIT_PREFIX=" + quote(a.Prefix),
		"RCLONE_CONFIG_AUDIT_TYPE=s3",
		"RCLONE_CONFIG_AUDIT_PROVIDER=Other",
		"RCLONE_CONFIG_AUDIT_ENDPOINT=" + quote(a.Endpoint),
		"RCLONE_CONFIG_AUDIT_REGION=" + quote(region),
		"RCLONE_CONFIG_AUDIT_FORCE_PATH_STYLE=true",
		"RCLONE_CONFIG_AUDIT_ACCESS_KEY_ID=" + quote(a.AccessKeyID),
		"RCLONE_CONFIG_AUDIT_SECRET_ACCESS_KEY=" + quote(a.SecretAccessKey),
		"OSC_API_LOGS_ENDPOINT=" + quote(a.APILogsEndpoint),
		"OSC_API_LOGS_REGION=" + quote(a.APILogsRegion),
	}
	if r := a.AccountLogs; r != nil {
		lines = append(lines,
			"OVH_ACCOUNT_LOGS_ENDPOINT="+quote(r.Endpoint),
			"OVH_ACCOUNT_LOGS_TOKEN_URL="+quote(r.TokenURL),
			"OVH_ACCOUNT_LOGS_CLIENT_ID="+quote(r.ClientID),
			"OVH_ACCOUNT_LOGS_CLIENT_SECRET="+quote(r.ClientSecret))
	}
	return strings.Join(append(lines, ""), "\n")
}

// ShipService runs the shipping once.
func ShipService() string {
	return `# Written at first boot by terraform-provider-health.
[Unit]
Description=Ship the bastion's audit trail to the audit bucket
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
EnvironmentFile=` + PathShipEnv + `
ExecStart=` + PathShipScript + `
Nice=10
`
}

// ShipTimer runs the shipping every five minutes.
func ShipTimer() string {
	return `# Written at first boot by terraform-provider-health.
[Unit]
Description=Ship the bastion's audit trail every five minutes

[Timer]
OnBootSec=2min
OnUnitActiveSec=5min
RandomizedDelaySec=30s
Persistent=true

[Install]
WantedBy=timers.target
`
}
