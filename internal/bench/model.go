package main

import "time"

// The critical path's lower bound of each phase for one warehouse: the
// longest chain of calls that must follow one another because each needs
// the previous one's answer or the state it leads to, whatever the
// provider's design. A call costs the latency; a wait for a transient state
// costs two reads (one that shows the state, one that shows it over) and
// the state's duration, which the emulator's pace counts from the first
// read that shows it. Calls that need nothing from each other (the four
// subnets, the parts of a bucket's configuration) count once. The bound
// leaves out the CLI's own work (measured apart as the "floor") and
// Terraform's -parallelism, so it holds for any number of warehouses,
// which are independent of one another.
//
// Two calls of the provider's own design are counted as necessary: the
// look for leftovers of an interrupted create before a create, and the
// removal of the "being created" mark after it (see cloud.InFlight);
// without them a killed apply orphans objects.

// chain is a run of dependent steps.
type chain struct {
	calls, waits int
	steps        string // the steps, in words
}

// costModel lists, per phase, the chains of a warehouse; the bound is the
// longest.
type costModel map[string][]chain

func (m costModel) bound(phase string, latency, async time.Duration) time.Duration {
	var longest time.Duration
	for _, c := range m[phase] {
		d := time.Duration(c.calls)*latency + time.Duration(c.waits)*(2*latency+async)
		longest = max(longest, d)
	}
	return longest
}

func model(cloudName string) costModel {
	if cloudName == "ovh" {
		return ovhModel
	}
	return outscaleModel
}

var outscaleModel = costModel{
	"apply": {
		{10, 2, "network: ReadNets (leftovers) → CreateNet → CreateSubnet (bastion tier) → CreateNatService → " +
			"[NAT service pending] → CreateRoute (private table's default route) → DeleteTags (the create's mark); " +
			"then the bastion, which needs the network: ReadImages → CreateVms → [VM pending] → LinkPublicIp → DeleteTags"},
		{6, 0, "a key, then the bucket it wraps: GET key (name free?) → POST key → POST config → CreateBucket → " +
			"PutBucketPolicy (first, so that the bucket is never open) → the other settings together"},
	},
	"plan": {
		{3, 0, "network: ReadNets → its subnets, groups, route tables, internet service, NAT service and access point " +
			"together → ReadPublicIps (the NAT's address)"},
	},
	"destroy": {
		{13, 2, "refresh (3 reads); the bastion: DeleteVms → [shutting-down] → DeletePublicIp; " +
			"then the network: ReadNets → its parts → ReadPublicIps → DeleteNetAccessPoint and DeleteNatService → " +
			"[deleting] → DeletePublicIp and UnlinkRouteTable → DeleteRouteTable and UnlinkInternetService → " +
			"DeleteInternetService, DeleteSecurityGroup, DeleteSubnet → DeleteNet"},
	},
}

var ovhModel = costModel{
	"apply": {
		{10, 3, "network: GET networks (leftovers) → POST network → [BUILDING] → POST subnet (four together) → " +
			"POST gateway → [operation in progress, gateway building: watched together] → POST interface (three " +
			"together) → PUT (the provisional name's end); then the bastion: GET instances, flavors, images → POST " +
			"instance → [operation in progress, instance BUILD: watched together] → GET floating IPs → PUT (name)"},
		{6, 1, "a bucket: GET users (leftovers) → POST user → [user creating] → POST s3Credentials → POST storage " +
			"(the policy alongside) → the S3 settings together"},
	},
	"plan": {
		{2, 0, "a bucket: POST …/secret (the ids are in the state) → the S3 reads together; the network: GET network " +
			"→ its subnets and gateways together"},
	},
	"destroy": {
		{9, 3, "refresh (2 reads); the bastion: DELETE instance → [DELETING] → DELETE floating IP; then the network: " +
			"GET network → subnets and gateways → DELETE gateway → [operation in progress] → DELETE subnet (all " +
			"together) → DELETE network → [DELETING]"},
	},
}
