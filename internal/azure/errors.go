package azure

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/aksupgrade/aksupgrade"
)

// The classification below is keyed on what AKS and ARM really answer.
// Sources (checked 2025):
//
//   - 409 OperationNotAllowed "Operation is not allowed: Another operation
//     (Updating) is in progress, please wait for it to finish before
//     starting a new operation. See https://aka.ms/aks-pending-operation"
//     (AKS; quoted in Azure/azure-workload-identity#417, cilium/cilium#25944).
//   - 400 OperationNotAllowed "Upgrading Kubernetes version 1.28.12 to
//     1.30.2 is not allowed. Available upgrades: [...]" (a skipped minor;
//     rancher/dashboard#11884) and "Upgrade agent pool version from 1.14.8
//     to 1.16.9 is not allowed, you can only upgrade one minor version at a
//     time" (Azure/AKS#1109); AgentPoolK8sVersionNotSupported / "Version
//     1.20.7 is not supported in this region" and K8sVersionNotSupported.
//   - 400 ValidationError, subcode UpgradeBlockedOnDeprecatedAPIUsage,
//     "Control Plane upgrade is blocked due to recent usage of a Kubernetes
//     API deprecated in the specified version" (learn.microsoft.com/azure/
//     aks/stop-cluster-upgrade-api-breaking-changes).
//   - UpgradeFailed "Drain node ... failed when evicting pod ... failed with
//     Too Many Requests error. This is often caused by a restrictive Pod
//     Disruption Budget (PDB) policy" (learn.microsoft.com/troubleshoot/
//     azure/azure-kubernetes/error-code-poddrainfailure); PodDrainFailure.
//   - QuotaExceeded "Operation results in exceeding quota limits of Core"
//     and "Operation could not be completed as it results in exceeding
//     approved Total Regional Cores quota" (Azure/AKS#799,
//     Azure/aks-engine#847); InsufficientSubnetSize / SubnetIsFull when the
//     subnet has no address for surge nodes (learn.microsoft.com/
//     troubleshoot/azure/azure-kubernetes/insufficientsubnetsize-error-advanced-networking).
//   - 429 Throttled "The PutManagedClusterHandler.PUT request limit has
//     been exceeded" (learn.microsoft.com/troubleshoot/azure/
//     azure-kubernetes/error-codes/throttled-error) and 429
//     OperationNotAllowed / TooManyRequests from ARM
//     (learn.microsoft.com/troubleshoot/azure/azure-kubernetes/429-too-many-requests-errors).
//   - 412 PreconditionFailed on an If-Match ETag mismatch (ARM optimistic
//     concurrency, the ETag field of the 2025-02-01 spec).
//   - 409 OperationNotAllowed "managed cluster is in Provisioning
//     State(Succeeded) and Power State(Stopped), upgrading cannot be
//     performed" (learn.microsoft.com/troubleshoot/azure/azure-kubernetes/
//     create-upgrade-delete/operationnotallowed).
//   - NotLatestOperation "Cannot proceed with the operation. Either the
//     operation has been preempted by another one" (Azure/azure-powershell#23812).

// classify turns an error from the SDK into a classified
// *aksupgrade.Error, keeping Azure's code and message. Context errors and
// nil pass through unchanged. now reads a Retry-After given as a date.
func classify(err error, now time.Time) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ae *aksupgrade.Error
	if errors.As(err, &ae) {
		return err
	}
	var (
		authErr    *authError
		authFailed *azidentity.AuthenticationFailedError
		authReq    *azidentity.AuthenticationRequiredError
	)
	if errors.As(err, &authErr) || errors.As(err, &authFailed) || errors.As(err, &authReq) {
		return &aksupgrade.Error{Code: aksupgrade.ErrAuth, Message: err.Error()}
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return classifyResponse(re, now)
	}
	return &aksupgrade.Error{Code: aksupgrade.ErrInternal, Message: err.Error()}
}

// classifyResponse classifies an ARM error response. now is used only
// for a Retry-After given as an HTTP date.
func classifyResponse(re *azcore.ResponseError, now time.Time) *aksupgrade.Error {
	body := armErrorBody(re.RawResponse)
	code := re.ErrorCode
	if code == "" {
		code = body.Code
	}
	e := &aksupgrade.Error{
		Code:      classifyCode(re.StatusCode, code, body.Subcode, body.Message),
		AzureCode: code,
		Message:   body.Message,
		Status:    re.StatusCode,
	}
	if e.Message == "" {
		e.Message = http.StatusText(re.StatusCode)
	}
	if body.Subcode != "" && !strings.EqualFold(body.Subcode, code) {
		e.Message += " (" + body.Subcode + ")"
	}
	if re.RawResponse != nil {
		e.RetryAfter = retryAfter(re.RawResponse.Header, now)
	}
	return e
}

// classifyCode is the decision table of classification: the HTTP
// status, Azure's error code and subcode, and its message.
func classifyCode(status int, code, subcode, message string) aksupgrade.ErrorCode {
	c := strings.ToLower(code)
	sc := strings.ToLower(subcode)
	m := strings.ToLower(message)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	is := func(codes ...string) bool {
		for _, x := range codes {
			if c == strings.ToLower(x) || sc == strings.ToLower(x) {
				return true
			}
		}
		return false
	}
	switch {
	case status == http.StatusTooManyRequests || is("Throttled", "TooManyRequests", "TooManyRequestsReceived", "SubscriptionRequestsThrottled"):
		return aksupgrade.ErrThrottled
	case status == http.StatusUnauthorized || status == http.StatusForbidden ||
		is("AuthorizationFailed", "AuthenticationFailed", "InvalidAuthenticationToken", "InvalidAuthenticationTokenTenant",
			"ExpiredAuthenticationToken", "LinkedAuthorizationFailed", "Unauthorized", "Forbidden"):
		return aksupgrade.ErrAuth
	case status == http.StatusPreconditionFailed || is("PreconditionFailed", "EtagMismatch", "ETagMismatch"):
		return aksupgrade.ErrConflict
	case is("UpgradeBlockedOnDeprecatedAPIUsage", "DeprecatedAPIUsage", "UpgradeBlockedOnDeprecatedApiUsage") ||
		(has("deprecated") && has("api") && has("upgrade", "blocked")):
		return aksupgrade.ErrDeprecatedAPI
	case is("PodDrainFailure", "DrainFailure", "DrainNodeFailure", "UpgradeFailedDrain", "PodDisruptionBudgetFailure") ||
		has("disruption budget", "poddisruptionbudget", "evicting pod", "eviction", "drain node", "drain of node", "failed to drain"):
		return aksupgrade.ErrDrainFailed
	case is("QuotaExceeded", "OperationQuotaExceeded", "SubscriptionQuotaExceeded", "InsufficientSubnetSize", "SubnetIsFull",
		"PublicIPCountLimitReached") ||
		has("exceeding quota", "exceeding approved", "quota limit", "quota exceeded", "surge quota", "not enough quota"):
		return aksupgrade.ErrQuotaExceeded
	case is("InvalidApiVersionParameter", "NoRegisteredProviderFound", "MissingSubscriptionRegistration", "InvalidResourceType"):
		return aksupgrade.ErrInvalid
	case has("power state(stopped)", "cluster is stopped", "in stopped state"):
		// 409 OperationNotAllowed on a stopped cluster: not busy, it
		// must be started first.
		return aksupgrade.ErrInvalid
	case is("NotLatestOperation", "AnotherOperationInProgress", "OperationPreempted") ||
		has("in progress", "another operation", "please wait for it to finish"):
		return aksupgrade.ErrBusy
	case is("K8sVersionNotSupported", "AgentPoolK8sVersionNotSupported", "VersionNotSupported", "NotAllowedUpgradeVersion",
		"UpgradeNotAllowed", "NodePoolMcVersionIncompatible", "InvalidKubernetesVersion", "KubernetesVersionNotSupported") ||
		(has("version") && has("is not allowed", "not supported", "not available", "one minor version", "available upgrades", "version skew", "incompatible")):
		return aksupgrade.ErrVersionNotAvailable
	case status == http.StatusNotFound || is("NotFound", "ResourceNotFound", "ResourceGroupNotFound", "SubscriptionNotFound", "ParentResourceNotFound"):
		return aksupgrade.ErrNotFound
	case status == http.StatusConflict:
		// OperationNotAllowed and the like while another operation runs.
		return aksupgrade.ErrBusy
	case status >= 400 && status < 500:
		return aksupgrade.ErrInvalid
	case status < 400 && is("BadRequest", "InvalidParameter", "InvalidRequestContent", "PropertyChangeNotAllowed"):
		// A long-running operation that failed for a reason a retry will
		// not fix (status 200 with an error body).
		return aksupgrade.ErrInvalid
	}
	return aksupgrade.ErrInternal
}

// armError is the error object of an ARM error body, a failed
// operation's status body, or AKS's unwrapped variant.
type armError struct {
	Code    string `json:"code"`
	Subcode string `json:"subcode"`
	Message string `json:"message"`
}

// armErrorBody reads the error of a response body: {"error": {...}}, or
// {"code", "message"} at the top.
func armErrorBody(resp *http.Response) armError {
	if resp == nil {
		return armError{}
	}
	b, err := runtime.Payload(resp)
	if err != nil || len(b) == 0 {
		return armError{}
	}
	var doc struct {
		armError
		Error *armError `json:"error"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return armError{}
	}
	if doc.Error != nil && (doc.Error.Code != "" || doc.Error.Message != "") {
		return *doc.Error
	}
	return doc.armError
}

// errorf builds a classified error of the provider's own making.
func errorf(code aksupgrade.ErrorCode, msg string) *aksupgrade.Error {
	return &aksupgrade.Error{Code: code, Message: msg}
}
