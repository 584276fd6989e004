package bastion

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/tooltest"
)

// These tests start a real sshd with the forwarding directives the bastion
// is rendered with, and drive it with the real ssh client: every way
// through the bastion other than a session (ssh -J, -W, -L, -R) is refused,
// while a session with a command runs, with the administrator's agent.

// forwardingDirectives are the rendered sshd_config's lines the tests take
// over into their own minimal server.
var forwardingDirectives = []string{"allowtcpforwarding", "permitopen", "permitlisten", "gatewayports", "allowagentforwarding",
	"allowstreamlocalforwarding", "permittunnel", "x11forwarding", "disableforwarding"}

// testSSHD is a real sshd on 127.0.0.1 and a client configuration to reach it.
type testSSHD struct {
	dir, clientConfig, port string
	stderr                  *syncBuffer
}

// startSSHD runs sshd with the rendered configuration's forwarding
// directives around a minimal server: its own host key, the test's key in
// authorized_keys written as the bastion writes it, the current user.
func startSSHD(t *testing.T) testSSHD {
	t.Helper()
	sshd := "/usr/sbin/sshd"
	if _, err := os.Stat(sshd); err != nil {
		t.Skipf("\n\n*** SKIPPED: %s is absent (%v): no real OpenSSH server to test the forwarding against ***\n\n", sshd, err)
	}
	keygen := tooltest.Require(t, "ssh-keygen", "openssh-client")
	tooltest.Require(t, "ssh", "openssh-client")
	if os.Getuid() == 0 {
		// sshd run by root separates privileges into this directory.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Skipf("\n\n*** SKIPPED: /run/sshd cannot be made (%v): sshd cannot run here ***\n\n", err)
		}
	}
	me, err := osuser.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port := freePort(t)
	cfg := testConfig(t, MFANone)
	// A tier whose rules open the test server's own port to the bastion:
	// a bastion that forwarded to its targets would let -W, -J and -L
	// through to it.
	n, _ := strconv.Atoi(port)
	cfg.Targets = []Target{{Tier: "compute", CIDR: "127.0.0.0/8", Ports: []PortRange{{n, n}}}}
	hostKey := filepath.Join(dir, "host_key")
	writeTestFile(t, hostKey, cfg.HostKey.PrivatePEM)
	out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "admin@test", "-f", filepath.Join(dir, "admin")).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(filepath.Join(dir, "admin.pub"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseAdminKey(string(pub))
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "authorized_keys"), AuthorizedKeysLine(MFANone, key, me.Username)+"\n")

	var conf strings.Builder
	fmt.Fprintf(&conf, "Port %s\nListenAddress 127.0.0.1\nHostKey %s\nPidFile none\nAuthorizedKeysFile %s\n", port, hostKey,
		filepath.Join(dir, "authorized_keys"))
	fmt.Fprintf(&conf, "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n")
	fmt.Fprintf(&conf, "PermitRootLogin prohibit-password\nAllowUsers %s\nLogLevel VERBOSE\n", me.Username)
	taken := 0
	for _, l := range sshdLines(SSHDConfig(cfg)) {
		k, _, _ := strings.Cut(l, " ")
		if strings.EqualFold(k, "Match") {
			break
		}
		for _, d := range forwardingDirectives {
			if strings.EqualFold(k, d) {
				conf.WriteString(l + "\n")
				taken++
			}
		}
	}
	if taken < 7 {
		t.Fatalf("only %d forwarding directives found in the rendered sshd_config", taken)
	}
	// The environment the TOTP enrolment's Match block sets, given to the
	// current user here, to see what a session really receives.
	for _, l := range sshdLines(SSHDConfig(testConfig(t, MFATOTP))) {
		if strings.HasPrefix(l, "SetEnv ") {
			fmt.Fprintf(&conf, "Match User %s\n    %s\n", me.Username, l)
		}
	}
	serverConfig := filepath.Join(dir, "sshd_config")
	writeTestFile(t, serverConfig, conf.String())

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, sshd, "-D", "-e", "-f", serverConfig)
	stderr := &syncBuffer{}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// sshd logs this line once it listens.
	ready, _ := waitForLine(pipe, stderr, "Server listening on 127.0.0.1 port "+port)
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	if err := <-ready; err != nil {
		t.Fatalf("%v:\n%s\n%s", err, stderr, conf.String())
	}

	knownHosts := filepath.Join(dir, "known_hosts")
	writeTestFile(t, knownHosts, KnownHostsLine([]string{"[127.0.0.1]:" + port, "test-bastion", "test-target"}, cfg.HostKey.Public)+"\n")
	clientConfig := filepath.Join(dir, "ssh_config")
	writeTestFile(t, clientConfig, fmt.Sprintf("Host *\n  HostName 127.0.0.1\n  Port %s\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n"+
		"  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  HostKeyAlias test-bastion\n"+
		"  BatchMode yes\n  ExitOnForwardFailure yes\n  ConnectTimeout 30\n", port, me.Username, filepath.Join(dir, "admin"), knownHosts))
	return testSSHD{dir: dir, clientConfig: clientConfig, port: port, stderr: stderr}
}

// ssh runs the real client with the test's configuration.
func (s testSSHD) ssh(env []string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command("ssh", append([]string{"-F", s.clientConfig}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func TestOpenSSH_sessionRunsForwardingRefused(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	noAgent := []string{"SSH_AUTH_SOCK="}

	// A session with a command runs: the recorded hop is one.
	if out, errOut, err := s.ssh(noAgent, "test-bastion", "echo", "session-ok"); err != nil || strings.TrimSpace(out) != "session-ok" {
		t.Fatalf("a session with a command does not run: %v\n%s%s\nsshd:\n%s", err, out, errOut, s.stderr)
	}
	// The TOTP enrolment's session gets the tlog settings that keep its
	// output (the secret) out of the recording, intact through sshd's quoting.
	env, envErr, err := s.ssh(noAgent, "test-bastion", "printenv", "TLOG_REC_SESSION_CONF_TEXT")
	var tlog struct {
		Log map[string]bool `json:"log"`
	}
	if err != nil || json.Unmarshal([]byte(env), &tlog) != nil || tlog.Log["output"] || tlog.Log["input"] || len(tlog.Log) != 2 {
		t.Errorf("the enrolment's tlog settings reach the session as %q (%v): %s", env, err, envErr)
	}
	// ssh -W and ssh -J (which is -W on the jump host) are refused.
	for name, args := range map[string][]string{
		"-W": {"-W", "127.0.0.1:" + s.port, "test-bastion"},
		"-J": {"-J", "test-bastion", "test-target", "echo", "jumped"},
	} {
		out, errOut, err := s.ssh(noAgent, args...)
		if err == nil || strings.Contains(out, "jumped") || !strings.Contains(errOut, "administratively prohibited") {
			t.Errorf("ssh %s through the bastion is not refused: %v\n%s%s", name, err, out, errOut)
		}
	}
	// ssh -R: the server refuses to listen.
	if out, errOut, err := s.ssh(noAgent, "-R", "127.0.0.1:0:127.0.0.1:"+s.port, "test-bastion", "echo", "listening"); err == nil ||
		strings.Contains(out, "listening") || !strings.Contains(errOut, "remote port forwarding failed") {
		t.Errorf("ssh -R is not refused: %v\n%s%s", err, out, errOut)
	}
	// ssh -L: the client listens, the server refuses to open the channel,
	// so a connection to the local end gets nothing from the far end (it
	// would read the target's SSH banner if the forward went through).
	got, errOut := localForward(t, s, noAgent)
	if bytes.Contains(got, []byte("SSH-2.0")) {
		t.Errorf("ssh -L reached the target through the bastion: %q", got)
	}
	if !strings.Contains(errOut, "administratively prohibited") {
		t.Errorf("ssh -L: the refusal is not the server's:\n%s", errOut)
	}
}

// The -L check connects only once the client listens. ssh's bind() is held
// back 300 ms here (strace's fault injection), as a loaded machine can
// hold ssh between its "Local forwarding listening" line and its listen():
// a check that connected on that line had its connection refused here
// every time; the refusal of the forward is still what is observed.
func TestOpenSSH_localForwardRefusedWhenTheClientListensLate(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	strace := tooltest.Require(t, "strace", "strace")
	if out, err := exec.Command(strace, "-qq", "-o", "/dev/null", "true").CombinedOutput(); err != nil {
		t.Skipf("\n\n*** SKIPPED: strace cannot trace here (%v): %s ***\n\n", err, out)
	}
	got, errOut := localForward(t, s, []string{"SSH_AUTH_SOCK="},
		strace, "-qq", "-o", "/dev/null", "-e", "trace=bind", "-e", "inject=bind:delay_enter=300000")
	if bytes.Contains(got, []byte("SSH-2.0")) {
		t.Errorf("ssh -L reached the target through the bastion: %q", got)
	}
	if !strings.Contains(errOut, "administratively prohibited") {
		t.Errorf("ssh -L: the refusal is not the server's:\n%s", errOut)
	}
}

// localForward runs ssh -L through the bastion (under the command wrap,
// when given) and connects to its local end once the client listens; it
// returns what the connection read and everything the client printed.
//
// ssh -v prints "Local forwarding listening on ADDR port N" before it binds
// and listens (channel_setup_fwd_listener_tcpip in OpenSSH's channels.c):
// a connection made on that line can reach the port before listen() and be
// refused, which the CI's plain go test ./... (every package at once on 2
// cores) did. "Entering interactive session." comes after every forward of
// the command line listens (ssh_init_forwarding runs before client_loop),
// and ExitOnForwardFailure makes a forward that cannot listen end the
// client before it.
func localForward(t *testing.T, s testSSHD, env []string, wrap ...string) ([]byte, string) {
	t.Helper()
	local := freePort(t)
	argv := append(append([]string{}, wrap...),
		"ssh", "-v", "-F", s.clientConfig, "-L", "127.0.0.1:"+local+":127.0.0.1:"+s.port, "test-bastion", "cat")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut syncBuffer
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The session (cat) holds the connection open until stdin closes. The
	// client's output is read to its end before Wait, which closes the
	// pipe: what it printed last (the refusal, why it ended) is kept.
	interactive, drained := waitForLine(pipe, &errOut, "Entering interactive session.")
	finish := func() {
		_ = stdin.Close()
		<-drained
		_ = cmd.Wait()
	}
	if err := <-interactive; err != nil {
		finish()
		t.Fatalf("ssh -L: %v\n%s\nsshd:\n%s", err, &errOut, s.stderr)
	}
	if !strings.Contains(errOut.String(), "Local forwarding listening on 127.0.0.1 port "+local+".") {
		finish()
		t.Fatalf("ssh -L: the client does not forward port %s:\n%s", local, &errOut)
	}
	conn, err := net.Dial("tcp", "127.0.0.1:"+local)
	if err != nil {
		finish()
		t.Fatalf("ssh -L: the client does not listen on port %s although its session started: %v\nssh:\n%s\nsshd:\n%s", local, err, &errOut, s.stderr)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, _ := io.ReadAll(conn)
	_ = conn.Close()
	finish()
	return got, errOut.String()
}

// The administrator's agent reaches the session (AllowAgentForwarding and
// the authorized_keys line's agent-forwarding), and a key restricted with
// ssh-add -h to the bastion alone is not usable from there: only the hops
// the administrator allows, "bastion>target", are.
func TestOpenSSH_agentForwardedAndRestrictedByDestination(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	tooltest.Require(t, "ssh-agent", "openssh-client")
	sock := filepath.Join(s.dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	out, err := agent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = agent.Process.Kill(); _ = agent.Wait() })
	// ssh-agent -D prints its socket once it listens.
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || !strings.Contains(line, sock) {
		t.Fatalf("ssh-agent did not start: %q %v", line, err)
	}
	env := []string{"SSH_AUTH_SOCK=" + sock}
	knownHosts := filepath.Join(s.dir, "known_hosts")
	add := func(constraints ...string) {
		t.Helper()
		args := append([]string{"-q", "-H", knownHosts}, constraints...)
		cmd := exec.Command("ssh-add", append(args, filepath.Join(s.dir, "admin"))...)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add %v: %v\n%s", constraints, err, out)
		}
	}
	listRemote := func() string {
		t.Helper()
		o, e, _ := s.ssh(env, "-A", "test-bastion", "ssh-add", "-l")
		return o + e
	}

	add("-h", "test-bastion")
	if got := listRemote(); strings.Contains(got, "admin@test") {
		t.Errorf("a key restricted to the bastion is usable from it:\n%s", got)
	}
	add("-h", "test-bastion", "-h", "test-bastion>test-target")
	if got := listRemote(); !strings.Contains(got, "admin@test") {
		t.Errorf("the agent, allowed bastion>target, does not reach the session:\n%s\nsshd:\n%s", got, s.stderr)
	}
}

// The administrator's ssh_config parses, and an address of a tier resolves
// to the bastion with the agent, a terminal and the hop to that address.
func TestSSHClientConfig_realClientResolvesTheHop(t *testing.T) {
	t.Parallel()
	ssh := tooltest.Require(t, "ssh", "openssh-client")
	path := filepath.Join(t.TempDir(), "ssh_config")
	writeTestFile(t, path, SSHClientConfig("wh-bastion", "203.0.113.9", []Target{
		{Tier: "compute", CIDR: "10.40.64.0/22"}, {Tier: "kms", CIDR: "10.40.255.0/26"}}))
	resolve := func(host string) map[string]string {
		t.Helper()
		out, err := exec.Command(ssh, "-G", "-F", path, host).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh -G refuses the generated ssh_config: %v\n%s", err, out)
		}
		got := map[string]string{}
		for _, l := range strings.Split(string(out), "\n") {
			k, v, _ := strings.Cut(l, " ")
			if _, seen := got[k]; !seen {
				got[k] = v
			}
		}
		return got
	}
	for _, host := range []string{"10.40.65.17", "10.40.255.3"} {
		got := resolve(host)
		for k, want := range map[string]string{
			"hostname": "203.0.113.9", "hostkeyalias": "wh-bastion", "forwardagent": "yes", "requesttty": "force",
			"stricthostkeychecking": "true", "remotecommand": "ssh -tt -- " + host,
		} {
			if got[k] != want {
				t.Errorf("%s: %s = %q, want %q", host, k, got[k], want)
			}
		}
		if f := got["userknownhostsfile"]; !strings.HasSuffix(f, "/.ssh/known_hosts.d/health-wh-bastion") {
			t.Errorf("%s: the bastion's key is looked for in %q", host, f)
		}
		if got["proxyjump"] != "" || got["proxycommand"] != "" {
			t.Errorf("%s: still jumps: proxyjump %q proxycommand %q", host, got["proxyjump"], got["proxycommand"])
		}
	}
	b := resolve("wh-bastion")
	if b["hostname"] != "203.0.113.9" || b["forwardagent"] != "no" || b["remotecommand"] != "" {
		t.Errorf("wh-bastion: hostname %q forwardagent %q remotecommand %q", b["hostname"], b["forwardagent"], b["remotecommand"])
	}
	// An address outside the tiers does not go to the bastion.
	if o := resolve("192.0.2.1"); o["hostname"] != "192.0.2.1" {
		t.Errorf("192.0.2.1 resolves to %q", o["hostname"])
	}
}

// The bastion's own ssh client configuration parses in the real client.
func TestHopClientConfig_realClientAccepts(t *testing.T) {
	t.Parallel()
	ssh := tooltest.Require(t, "ssh", "openssh-client")
	path := filepath.Join(t.TempDir(), "ssh_config")
	writeTestFile(t, path, HopClientConfig("wh-bastion"))
	out, err := exec.Command(ssh, "-G", "-F", path, "10.40.64.5").CombinedOutput()
	if err != nil {
		t.Fatalf("ssh -G refuses the bastion's ssh_config: %v\n%s", err, out)
	}
	for _, want := range []string{"stricthostkeychecking accept-new", "forwardagent no", "clearallforwardings yes", "passwordauthentication no"} {
		if !strings.Contains(string(out), "\n"+want+"\n") {
			t.Errorf("the hop's client lacks %q", want)
		}
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freePort is a port nothing listens on at the time of the call.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("%v is not a TCP address", l.Addr())
	}
	return strconv.Itoa(addr.Port)
}

// syncBuffer collects a process's output, line by line, for failure messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) WriteLine(l string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(l + "\n")
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitForLine collects r into buf. The first channel receives nil once a
// line holds want, or an error if r ends first; the second is closed once
// r has ended and all its lines are in buf.
func waitForLine(r io.Reader, buf *syncBuffer, want string) (<-chan error, <-chan struct{}) {
	ready := make(chan error, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		scanner := bufio.NewScanner(r)
		signalled := false
		for scanner.Scan() {
			buf.WriteLine(scanner.Text())
			if !signalled && strings.Contains(scanner.Text(), want) {
				ready <- nil
				signalled = true
			}
		}
		if !signalled {
			ready <- fmt.Errorf("the output ended without %q", want)
		}
	}()
	return ready, drained
}
