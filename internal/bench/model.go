package main

import "time"

// The lower bound of each phase: no apply, plan or destroy can be faster,
// whatever the provider's design, than
//
//   - the critical path: the longest chain of calls that must follow one
//     another because each needs the previous one's answer or the state it
//     leads to, along Terraform's dependencies (the bastion after its
//     network, a bucket after the key it names);
//   - the throughput bound: the work of all the resources, each its own
//     chain, spread over Terraform's -parallelism slots. It is what limits
//     ten warehouses and more.
//
// A call costs the latency; a wait for a transient state costs two reads
// (one that shows the state, one that shows it over) and the state's
// duration, which the emulator's pace counts from the first read that
// shows it. Calls that need nothing from each other (the four subnets, the
// parts of a bucket's configuration) count once; an operation and the
// object it makes progress together and count as one wait. The bound
// leaves out the CLI's own work (measured apart as the "floor").
//
// Counted as necessary although they are the provider's design: the look
// for leftovers of an interrupted create before a create, the removal of
// the "being created" mark after it, and a bucket's tags set last (see
// cloud.InFlight and s3store.Unfinished): without them a killed apply
// orphans objects.

// chain is a run of dependent steps.
type chain struct {
	calls, waits int
	steps        string // the steps, in words
}

func (c chain) cost(latency, async time.Duration) time.Duration {
	return time.Duration(c.calls)*latency + time.Duration(c.waits)*(2*latency+async)
}

// resourceChains are the chains of one resource of each kind, per phase.
type resourceChains map[string]map[string]chain // phase → kind → chain

// Kinds of a warehouse and how many of each it holds.
var warehouseKinds = map[string]int{"network": 1, "bastion": 1, "key": 2, "bucket": 4}

// dependencyPaths are the kinds that follow one another in an apply.
var dependencyPaths = [][]string{{"network", "bastion"}, {"key", "bucket"}}

type bounds struct {
	critical, throughput time.Duration
}

func (b bounds) max() time.Duration { return max(b.critical, b.throughput) }

// bound is the lower bound of a phase for n warehouses.
func (m resourceChains) bound(phase string, n, parallelism int, latency, async time.Duration) bounds {
	chains := m[phase]
	var b bounds
	var work time.Duration
	for kind, count := range warehouseKinds {
		work += time.Duration(count*n) * chains[kind].cost(latency, async)
	}
	b.throughput = work / time.Duration(parallelism)
	if phase == "plan" {
		// A refresh reads every resource at once.
		for _, c := range chains {
			b.critical = max(b.critical, c.cost(latency, async))
		}
		return b
	}
	// An apply follows the dependencies, a destroy the same paths backwards.
	for _, path := range dependencyPaths {
		var d time.Duration
		for _, kind := range path {
			d += chains[kind].cost(latency, async)
		}
		b.critical = max(b.critical, d)
	}
	return b
}

func model(cloudName string) resourceChains {
	if cloudName == "ovh" {
		return ovhChains
	}
	return outscaleChains
}

var outscaleChains = resourceChains{
	"apply": {
		"network": {6, 1, "ReadNets (leftovers) → CreateNet → CreateSubnet (bastion tier) → CreateNatService → [NAT " +
			"pending] → CreateRoute (the private default route) → DeleteTags (the create's mark)"},
		"bastion": {4, 1, "ReadImages and the leftovers → CreateVms → [VM pending] → LinkPublicIp → DeleteTags"},
		"key":     {3, 0, "GET (the name free?) → POST key → POST config"},
		"bucket":  {4, 0, "CreateBucket → PutBucketPolicy (first: the bucket is never open) → the other settings together → tags"},
	},
	"plan": {
		"network": {3, 0, "ReadNets → its parts together → ReadPublicIps (the NAT's address)"},
		"bastion": {2, 0, "ReadVms → ReadPublicIps"},
		"key":     {1, 0, "GET key"},
		"bucket":  {2, 0, "GetBucketVersioning → the other settings together"},
	},
	"destroy": {
		"network": {10, 1, "ReadNets → its parts → ReadPublicIps (refresh) → DeleteNetAccessPoint and DeleteNatService " +
			"→ [deleting] → DeletePublicIp, UnlinkRouteTable, UnlinkInternetService → DeleteRouteTable, " +
			"DeleteInternetService → DeleteSecurityGroup, DeleteSubnet → DeleteNet"},
		"bastion": {4, 1, "ReadVms → ReadPublicIps (refresh) → DeleteVms → [shutting-down] → DeletePublicIp"},
		"key":     {3, 0, "GET (refresh) → POST config (deletion allowed) → DELETE"},
		"bucket":  {3, 0, "GetBucketVersioning (refresh) → ListObjectVersions → DeleteBucket"},
	},
}

var ovhChains = resourceChains{
	"apply": {
		"network": {6, 2, "GET networks (leftovers) → POST network → [BUILDING] → POST subnet (four together) → POST " +
			"gateway → [operation in progress, gateway building] → POST interface (three together) → PUT (the name)"},
		"bastion": {4, 1, "GET instances, flavors, images → POST instance → [operation in progress, instance BUILD] → " +
			"GET floating IPs → PUT (the name)"},
		"key":    {2, 0, "GET the KMS and its keys (the name free?) → POST serviceKey"},
		"bucket": {6, 1, "GET users (leftovers) → POST user → [user creating] → POST s3Credentials → POST storage (the policy alongside) → the S3 settings together → tags"},
	},
	"plan": {
		"network": {2, 0, "GET network → its subnets and gateways together"},
		"bastion": {2, 0, "GET instance → GET floating IPs"},
		"key":     {2, 0, "GET serviceKey → its versions"},
		"bucket":  {2, 0, "POST …/secret (the ids are in the state) → the S3 reads together"},
	},
	"destroy": {
		"network": {6, 2, "GET network → subnets and gateways (refresh) → DELETE gateway → [operation in progress] → " +
			"DELETE subnet (all together) → DELETE network → [DELETING]"},
		"bastion": {4, 1, "GET instance → GET floating IPs (refresh) → DELETE instance → [DELETING] → DELETE floating IP"},
		"key":     {4, 0, "GET serviceKey → its versions (refresh) → PUT (deactivate) → DELETE"},
		"bucket":  {4, 1, "POST …/secret → S3 reads (refresh) → DELETE storage → DELETE user → [user deleting]"},
	},
}
