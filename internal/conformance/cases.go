package conformance

// The official acceptance tests that cover the objects the emulator
// emulates, as their files name them (outscale/terraform-provider-outscale:
// internal/services/oapi/*_test.go and outscale/*_test.go;
// ovh/terraform-provider-ovh: ovh/*_test.go). A name the pinned version
// does not have is reported as a failure ("did not run"), so a rename
// upstream shows in the table instead of silently shrinking it.

// Why no emulator can pass some tests.
const (
	needsMigration = "downloads an older release of the provider from the Terraform registry, which no offline machine reaches"
	needsNIC       = "makes standalone NICs (CreateNic, LinkNic), which the emulator does not emulate: no warehouse object needs them"
	needsLBU       = "makes a load balancer (LBU), which the emulator does not emulate: no warehouse object needs one"
	needsVolumeOps = "makes, links or snapshots volumes of its own (CreateVolume, LinkVolume, CreateSnapshot), not emulated: a warehouse VM only has the volumes it boots with"
	needsQuota     = "runs only with TEST_QUOTA=true, against an account's real quotas"
	needsOrder     = "orders a service through the order cart (/order/cart, /me/order), which an emulator cannot fulfil"
	needsOKMSCreds = "uses OKMS credentials or secrets routes (…/credential, …/secret), not emulated: the warehouse uses service keys only"
)

var outscaleCases = []Case{
	{Test: "TestAccNet_WithRouteTable_Basic", Covers: "net, route table"},
	{Test: "TestAccNet_WithRouteTable_tags", Covers: "net, route table, tags"},
	{Test: "TestAccNet_WithRouteTable_importBasic", Covers: "route table import"},
	{Test: "TestAccNet_RouteTable_Instance", Covers: "route table, VM in a subnet"},
	{Test: "TestAccNet_WithSubNet_Basic", Covers: "net, subnet (UpdateSubnet)"},
	{Test: "TestAccNet_WithSecurityGroup", Covers: "net, security group"},
	{Test: "TestAccOthers_SecurityGroupWithoutName", Covers: "security group"},
	{Test: "TestAccOthers_SecurityGroup_VM_CleanUp", Covers: "security group detached from a VM, then deleted"},
	{Test: "TestAccNet_AccessPoint_Basic", Covers: "Net access point"},
	{Test: "TestAccNet_AccessPointDataSource_basic", Covers: "Net access point (data source)"},
	{Test: "TestAccNet_AccessPointServicesDataSource_basic", Covers: "Net access point services"},
	{Test: "TestAccNet_WithNatService_basic", Covers: "NAT service, public IP, internet service and link, routes"},
	{Test: "TestAccVM_Basic", Covers: "VM, keypair, volumes"},
	{Test: "TestAccVM_uefi", Covers: "VM boot mode"},
	{Test: "TestAccVM_Behavior_Basic", Covers: "VM shutdown behaviour (UpdateVm)"},
	{Test: "TestAccVM_importBasic", Covers: "VM import"},
	{Test: "TestAccVM_withTags", Covers: "VM tags"},
	{Test: "TestAccVM_UpdateKeypair", Covers: "VM keypair change"},
	{Test: "TestAccVM_UpdateDeletionProtection", Covers: "VM deletion protection"},
	{Test: "TestAccVM_UpdateTags", Covers: "VM tags update"},
	{Test: "TestAccNet_VM_WithSubnet", Covers: "VM in a Net"},
	{Test: "TestAccNet_WithVM_PublicIp_Link", Covers: "public IP and its link, in a Net"},
	{Test: "TestAccVM_WithPublicIPLink_basic", Covers: "public IP link"},
	{Test: "TestAccVM_StateDataSource", Covers: "ReadVmsState"},
	{Test: "TestAccVM_StatesDataSource", Covers: "ReadVmsState (list)"},
	{Test: "TestAccOthers_SecurityGroup_NIC_CleanUp", Covers: "security group on a NIC", NotRun: needsNIC},
	{Test: "TestAccNet_VM_withNicAttached", Covers: "VM with a NIC", NotRun: needsNIC},
	{Test: "TestAccOthers_SecurityGroup_LBU_CleanUp", Covers: "security group on a load balancer", NotRun: needsLBU},
	{Test: "TestAccVM_WithLBUAttachment_basic", Covers: "VM behind a load balancer", NotRun: needsLBU},
	{Test: "TestAccVM_multiBlockDeviceMapping", Covers: "VM with snapshots", NotRun: needsVolumeOps},
	{Test: "TestAccVM_WithVolumeAttachment_basic", Covers: "volume link", NotRun: needsVolumeOps},
	{Test: "TestAccVM_tags", Covers: "VM tags at scale", NotRun: needsQuota},
}

var ovhCases = []Case{
	{Test: "TestAccCloudProjectNetworkPrivate_basic", Covers: "private network in two regions"},
	{Test: "TestAccCloudProjectNetworkPrivateSubnet_basic", Covers: "private network and subnet (OVH_ATTACH_VRACK=0)"},
	{Test: "TestAccCloudProjectUser_basic", Covers: "project user, openrc"},
	{Test: "TestAccCloudProjectUser_withRole", Covers: "project user with a role"},
	{Test: "TestAccCloudProjectUser_withRoles", Covers: "project user with roles"},
	{Test: "TestAccCloudProjectUserS3Credential_basic", Covers: "S3 credential"},
	{Test: "TestAccCloudProjectUserS3Policy_basic", Covers: "S3 user policy, emptied on delete"},
	{Test: "TestAccCloudProjectRegionStorage_basic", Covers: "storage container, object lock, emptied on delete"},
	{Test: "TestAccCloudProjectRegionStorage_withReplication", Covers: "storage container replication rules"},
	{Test: "TestAccCloudProjectSSHKey_basic", Covers: "project SSH key"},
	{Test: "TestAccCloudProjectSSHKey_trailingNewline", Covers: "project SSH key, trimmed"},
	{Test: "TestAccCloudProjectInstance_basic", Covers: "instance with an existing SSH key"},
	{Test: "TestAccCloudProjectInstance_withSSHKeyCreate", Covers: "instance creating its SSH key"},
	{Test: "TestAccCloudProjectInstance3AZ_basic", Covers: "instance in a 3-AZ region"},
	{Test: "TestAccOkmsImport", Covers: "OKMS read with its public CA"},
	{Test: "TestAccCloudProjectGateway", Covers: "gateway", NotRun: "attaches the project to a vRack (ovh_vrack_cloudproject, data ovh_cloud_project_vrack): the /vrack API is not emulated"},
	{Test: "TestAccOkmsServiceKey", Covers: "OKMS service keys (JWK, PEM)", NotRun: "creates its KMS with ovh_okms: " + needsOrder},
	{Test: "TestAccOkmsOrder", Covers: "OKMS", NotRun: needsOrder},
	{Test: "TestAccOkmsCredCreate", Covers: "OKMS credential", NotRun: needsOKMSCreds},
	{Test: "TestAccOkmsCredImport", Covers: "OKMS credential import", NotRun: needsOKMSCreds},
}
