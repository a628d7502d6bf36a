// wording.h — etcd's and the Bitnami image's own words, plus the error value that
// the sim/etcd parsers return.
//
// Every string constant here is copied from the source named in its comment
// (etcd v3.5.18 unless a comment says otherwise; bitnami/containers
// bitnami/etcd/3.5/debian-12 scripts). Operators grep their logs for these
// strings, so they must stay byte-exact. Printf-style placeholders (%s, %q, %v)
// keep etcd's Go verbs; format them with the helpers in the .cc files, never by
// inventing new text.
//
// Must never: hold logic, allocate at static-init time beyond string literals.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace raftlab::etcd {

// ---------------------------------------------------------------------------
// Error value. Operating errors (bad flag, bad docker line, refused bootstrap)
// are returned, never thrown. `field` names the flag / env var / docker option,
// `message` is the text the real program prints, `fix` tells the operator what to
// change.
struct Error {
  std::string field;
  std::string message;
  std::string fix;
};

// Minimal expected<T, Error>. Invariant: holds exactly one of value or error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}    // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// A structured log line the way etcd's zap logger (or Bitnami's liblog) prints
// it: level, message, and key/value fields in order.
struct LogLine {
  std::string level;  // "info" | "warn" | "error" | "fatal" | "debug"
  std::string msg;
  std::vector<std::pair<std::string, std::string>> fields;
};

namespace wording {

// ---- etcd: flag parsing (Go's flag package, src/flag/flag.go parseOne) -----
inline constexpr std::string_view kFlagNotDefined = "flag provided but not defined: -%s";
inline constexpr std::string_view kBadFlagSyntax = "bad flag syntax: %s";
inline constexpr std::string_view kFlagNeedsArgument = "flag needs an argument: -%s";
inline constexpr std::string_view kInvalidFlagValue = "invalid value %q for flag -%s: %v";
inline constexpr std::string_view kInvalidBoolValue = "invalid boolean value %q for -%s: %v";
// Go flag numError(): strconv failures are reported as these two words.
inline constexpr std::string_view kParseError = "parse error";
inline constexpr std::string_view kValueOutOfRange = "value out of range";
// pkg/flags/selective_string.go SelectiveStringValue.Set
inline constexpr std::string_view kSelectiveInvalid = "invalid value";
// server/etcdmain/config.go (*config).parse: leftover positional argument.
inline constexpr std::string_view kNotAValidFlag = "'%s' is not a valid flag";

// ---- etcd: environment (pkg/flags/flag.go) ----------------------------------
// setFlagFromEnv
inline constexpr std::string_view kInvalidEnvValue = "invalid value %q for %s: %v";
// setFlagFromEnv, logged at info for every env var it used.
inline constexpr std::string_view kRecognizedEnv = "recognized and used environment variable";
// verifyEnv: lg.Fatal when a flag is given on the command line AND its ETCD_* env
// var exists (3.5 wording, including its doubled closing parenthesis).
inline constexpr std::string_view kConflictingEnv =
    "conflicting environment variable is shadowed by corresponding command-line flag "
    "(either unset environment variable or disable flag))";
// verifyEnv (3.4, capnslog): plog.Fatalf
inline constexpr std::string_view kConflictingEnv34 =
    "conflicting environment variable %q is shadowed by corresponding command-line flag "
    "(either unset environment variable or disable flag)";
// verifyEnv: lg.Warn for any ETCD_* variable that no flag consumed (this includes
// recognised names whose value is empty: setFlagFromEnv skips "" values).
inline constexpr std::string_view kUnrecognizedEnv = "unrecognized environment variable";
// etcdmain/config.go configFromCmdLine
inline constexpr std::string_view kCannotSetEtcdVersion = "cannot set special environment variable";

// ---- etcd: embed/config.go (*Config).Validate and friends -----------------
inline constexpr std::string_view kElectionTooShort =
    "--election-timeout[%vms] should be at least as 5 times as --heartbeat-interval[%vms]";
inline constexpr std::string_view kElectionTooLong =
    "--election-timeout[%vms] is too long, and should be set less than %vms";
inline constexpr std::string_view kHeartbeatZero = "--heartbeat-interval must be >0 (set to %dms)";
inline constexpr std::string_view kElectionZero = "--election-timeout must be >0 (set to %dms)";
inline constexpr std::string_view kUnexpectedClusterState = "unexpected clusterState %q";
// ErrConflictBootstrapFlags
inline constexpr std::string_view kConflictBootstrapFlags =
    "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", "
    "\"discovery\" or \"discovery-srv\"";
// ErrUnsetAdvertiseClientURLsFlag
inline constexpr std::string_view kUnsetAdvertiseClientURLs =
    "--advertise-client-urls is required when --listen-client-urls is set explicitly";
// checkBindURLs
inline constexpr std::string_view kExpectedIPForBinding = "expected IP in URL for binding (%s)";
// Validate, wrapping checkHostURLs
inline constexpr std::string_view kAdvertisePeerHostPort =
    "--initial-advertise-peer-urls %q must be \"host:port\" (%v)";
inline constexpr std::string_view kAdvertiseClientHostPort =
    "--advertise-client-urls %q must be \"host:port\" (%v)";
// checkHostURLs
inline constexpr std::string_view kUnexpectedEmptyHost = "unexpected empty host (%s)";
// etcdmain/etcd.go startEtcdOrProxyV2
inline constexpr std::string_view kFailedToVerifyFlags = "failed to verify flags";
inline constexpr std::string_view kDataDirEmptyUsingDefault = "'data-dir' was empty; using default";
inline constexpr std::string_view kServerAlreadyInitialized = "server has been already initialized";
inline constexpr std::string_view kInvalidFileUnderDataDir = "found invalid file under data directory";
inline constexpr std::string_view kDetectedDefaultHost = "detected default host for advertise";
inline constexpr std::string_view kForgotInitialCluster = "forgot to set --initial-cluster?";
inline constexpr std::string_view kForgotAdvertisePeer = "forgot to set --initial-advertise-peer-urls?";
inline constexpr std::string_view kDiscoveryNotSet = "--discovery flag is not set";
// etcdmain/config.go (*config).parse, when --config-file / ETCD_CONFIG_FILE is set.
inline constexpr std::string_view kLoadedConfigFile =
    "loaded server configuration, other configuration command line flags and environment "
    "variables will be ignored if provided";

// ---- etcd: URLs (client/pkg/types/urls.go NewURLs) ---------------------------
inline constexpr std::string_view kNoValidURLs = "no valid URLs given";
inline constexpr std::string_view kURLNotHostPort = "URL address does not have the form \"host:port\": %s";
inline constexpr std::string_view kURLHasPath = "URL must not contain a path: %s";
inline constexpr std::string_view kURLBadScheme = "URL scheme must be http, https, unix, or unixs: %s";
// Go net/url.Parse, for "10.0.0.1:2380" (no scheme, colon in first segment).
inline constexpr std::string_view kGoURLColonFirstSegment =
    "parse %q: first path segment in URL cannot contain colon";
// Go net/url.Parse for an empty/space-containing host.
inline constexpr std::string_view kGoURLInvalidHostChar = "parse %q: invalid character %q in host name";

// ---- etcd: bootstrap (server/etcdserver/server.go NewServer, 3.5) ------------
inline constexpr std::string_view kCannotFetchClusterInfo = "cannot fetch cluster info from peer urls: %v";
// cluster_util.go getClusterFromRemotePeers
inline constexpr std::string_view kCouldNotRetrieveCluster =
    "could not retrieve cluster information from the given URLs";
inline constexpr std::string_view kNoRemoteMembers = "failed to get raft cluster member(s) from the given URLs";
inline constexpr std::string_view kErrorValidatingPeerURLs = "error validating peerURLs %s: %v";
inline constexpr std::string_view kAlreadyBootstrapped = "member %s has already been bootstrapped";
inline constexpr std::string_view kIncompatibleCluster = "incompatible with current running cluster";
// embed/etcd.go StartEtcd wrapping PeerURLsMapAndToken errors.
inline constexpr std::string_view kErrorSettingUpInitialCluster = "error setting up initial cluster: %v";
inline constexpr std::string_view kFailedToStartEtcd = "failed to start etcd";
inline constexpr std::string_view kDiscoveryIgnoredHaveWAL =
    "discovery token is ignored since cluster already initialized; valid logs are found";
// raft.go startNode / restartNode
inline constexpr std::string_view kStartingLocalMember = "starting local member";
inline constexpr std::string_view kRestartingLocalMember = "restarting local member";
inline constexpr std::string_view kForcingRestartMember = "forcing restart member";

// ---- etcd: server/config/config.go ------------------------------------------
inline constexpr std::string_view kLocalNameNotFound =
    "couldn't find local name %q in the initial cluster configuration";
inline constexpr std::string_view kInitialClusterDuplicateURL = "initial cluster %s has duplicate url";
inline constexpr std::string_view kInitialClusterUnset = "initial cluster unset and no discovery URL found";
inline constexpr std::string_view kInitialClusterMissingFromAdvertise =
    "--initial-cluster has %s but missing from --initial-advertise-peer-urls=%s (%v)";
inline constexpr std::string_view kAdvertiseMissingFromInitialCluster =
    "--initial-advertise-peer-urls has %s but missing from --initial-cluster=%s";
inline constexpr std::string_view kFailedToResolveAdvertise = "failed to resolve %s to match --initial-cluster=%s (%v)";
inline constexpr std::string_view kDiscoveryWithExisting =
    "discovery URL should not be set when joining existing initial cluster";
// pkg/netutil/netutil.go URLStringsEqual / urlsEqual
inline constexpr std::string_view kURLsLenMismatch = "len(%q) != len(%q)";
inline constexpr std::string_view kResolvedURLsMismatch = "resolved urls: %q != %q";

// ---- etcd: membership (server/etcdserver/api/membership/cluster.go) ----------
inline constexpr std::string_view kMemberCountUnequal = "member count is unequal";
inline constexpr std::string_view kPeerURLsNoMatch =
    "PeerURLs: no match found for existing member (%v, %v), last resolver error (%v)";
inline constexpr std::string_view kMemberIdenticalID = "member exists with identical ID %v";
inline constexpr std::string_view kRejectAddLessThanQuorum = "rejecting member add; started member will be less than quorum";
inline constexpr std::string_view kRejectRemoveLessThanQuorum =
    "rejecting member remove; started member will be less than quorum";
// membership/errors.go
inline constexpr std::string_view kMembershipIDRemoved = "membership: ID removed";
inline constexpr std::string_view kMembershipIDExists = "membership: ID exists";
inline constexpr std::string_view kMembershipIDNotFound = "membership: ID not found";
inline constexpr std::string_view kMembershipPeerURLExists = "membership: peerURL exists";

// ---- etcd: server errors as clients see them (api/v3rpc/rpctypes/error.go) ---
inline constexpr std::string_view kErrNotEnoughStartedMembers =
    "etcdserver: re-configuration failed due to not enough started members";
inline constexpr std::string_view kErrUnhealthy = "etcdserver: unhealthy cluster";
inline constexpr std::string_view kErrMemberExist = "etcdserver: member ID already exist";
inline constexpr std::string_view kErrPeerURLExist = "etcdserver: Peer URLs already exists";
inline constexpr std::string_view kErrMemberNotFound = "etcdserver: member not found";
inline constexpr std::string_view kErrMemberBadURLs = "etcdserver: given member URLs are invalid";
// server.go mayAddMember / mayRemoveMember warn lines
inline constexpr std::string_view kRejectAddNotEnoughHealthy = "rejecting member add request; not enough healthy members";
inline constexpr std::string_view kRejectAddNotConnected =
    "rejecting member add request; local member has not been connected to all peers, reconfigure "
    "breaks active quorum";
inline constexpr std::string_view kRejectRemoveNotEnoughHealthy =
    "rejecting member remove request; not enough healthy members";
inline constexpr std::string_view kRejectRemoveNotConnected =
    "rejecting member remove request; local member has not been connected to all peers, reconfigure "
    "breaks active quorum";

// ---- etcd: rafthttp log lines Bitnami's is_node_still_a_member greps for -----
inline constexpr std::string_view kStreamEstablished = "established TCP streaming connection with remote peer";
inline constexpr std::string_view kMemberPermanentlyRemoved = "the member has been permanently removed from the cluster";
inline constexpr std::string_view kIgnoredStreamingIDMismatch = "ignored streaming request; ID mismatch";
inline constexpr std::string_view kClusterIDMismatch = "cluster ID mismatch";

// ---- Bitnami etcd image (libetcd.sh / etcd-env.sh / run.sh / entrypoint.sh) ---
// libetcd.sh etcd_validate
inline constexpr std::string_view kBitnamiNoRootPassword =
    "The ETCD_ROOT_PASSWORD environment variable is empty or not set. Set the environment "
    "variable ALLOW_NONE_AUTHENTICATION=yes to allow a blank password. This is only recommended "
    "for development environments.";
inline constexpr std::string_view kBitnamiAllowNoneWarn =
    "You set the environment variable ALLOW_NONE_AUTHENTICATION=%s. For safety reasons, do not "
    "use this flag in a production environment.";
inline constexpr std::string_view kBitnamiValidating = "Validating settings in ETCD_* env vars..";
inline constexpr std::string_view kBitnamiInitializing = "Initializing etcd";
inline constexpr std::string_view kBitnamiGeneratingConfig = "Generating etcd config file using env variables";
inline constexpr std::string_view kBitnamiNoData = "There is no data from previous deployments";
inline constexpr std::string_view kBitnamiBootstrappingNew = "Bootstrapping a new cluster";
inline constexpr std::string_view kBitnamiAddingNewMember = "Adding new member to existing cluster";
inline constexpr std::string_view kBitnamiDetectedData = "Detected data from previous deployments";
inline constexpr std::string_view kBitnamiClusterNotResponding = "Cluster not responding!";
inline constexpr std::string_view kBitnamiDRDisabled =
    "Disaster recovery is disabled, the cluster will try to recover on it's own";
inline constexpr std::string_view kBitnamiClusterHealthy = "Cluster is healthy";
inline constexpr std::string_view kBitnamiStillMember = "The member is still part of the cluster";
inline constexpr std::string_view kBitnamiRemoteMemberIDDiffers = "The remote member ID is different from the local member ID";
inline constexpr std::string_view kBitnamiRemoteClusterIDDiffers =
    "The remote cluster ID is different from the local cluster ID";
inline constexpr std::string_view kBitnamiNoMemberID = "No member id found";
inline constexpr std::string_view kBitnamiMemberID = "member id: %s";
inline constexpr std::string_view kBitnamiRemovingOldMember = "Removing old member %s";
inline constexpr std::string_view kBitnamiStartingBackground = "Starting etcd in background";
inline constexpr std::string_view kBitnamiStoppingEtcd = "Stopping etcd";
inline constexpr std::string_view kBitnamiAuthAlreadyEnabled = "Authentication already enabled";
inline constexpr std::string_view kBitnamiEnablingAuth = "Enabling etcd authentication";
inline constexpr std::string_view kBitnamiSkippingRBAC = "Skipping RBAC configuration in member %s";
inline constexpr std::string_view kBitnamiClusterNotHealthyAdd =
    "Cluster not healthy, not adding self to cluster for now, keeping trying...";
inline constexpr std::string_view kBitnamiFailedAddSelf = "Failed to add self to cluster, keeping trying...";
inline constexpr std::string_view kBitnamiNodeAlreadyInCluster = "Node already in cluster";
inline constexpr std::string_view kBitnamiLoadingEnvVars = "Loading env vars of existing cluster";
// entrypoint.sh / run.sh
inline constexpr std::string_view kBitnamiSetupStart = "** Starting etcd setup **";
inline constexpr std::string_view kBitnamiSetupFinished = "** etcd setup finished! **";
inline constexpr std::string_view kBitnamiStartingEtcd = "** Starting etcd **";

}  // namespace wording

// Replaces Go verbs in etcd's format strings, in order: %s %v %d as the plain
// text, %q as a Go double-quoted string. Unknown verbs are copied. Bounded by the
// format length.
std::string go_format(std::string_view format, const std::vector<std::string>& args);
// Go's strconv.Quote for printable ASCII/UTF-8 text (escapes \" and \\ and control bytes).
std::string go_quote(std::string_view s);
// Go's %q of a []string: ["a" "b"].
std::string go_quote_list(const std::vector<std::string>& items);
// Did-you-mean: the candidate with the smallest Levenshtein distance to `word`,
// if that distance is at most max(2, word.size()/3); empty otherwise. Ties go to
// the earlier candidate (deterministic).
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace raftlab::etcd
