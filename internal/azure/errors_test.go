package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/google/go-cmp/cmp"

	"github.com/aksupgrade/aksupgrade"
)

// armResponse builds the *http.Response of an ARM error.
func armResponse(status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/json")
	req, _ := http.NewRequest(http.MethodPut, "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c", nil)
	return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

func TestClassifyResponses(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	errBody := func(code, msg string) string {
		return fmt.Sprintf(`{"error":{"code":%q,"message":%q}}`, code, msg)
	}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   aksupgrade.Error
	}{
		{
			name:   "busy: another operation in progress",
			status: 409,
			body:   errBody("OperationNotAllowed", "Operation is not allowed: Another operation (Updating) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details"),
			want: aksupgrade.Error{Code: aksupgrade.ErrBusy, AzureCode: "OperationNotAllowed", Status: 409,
				Message: "Operation is not allowed: Another operation (Updating) is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details"},
		},
		{
			name:   "busy: a bare 409",
			status: 409,
			body:   errBody("Conflict", "conflict"),
			want:   aksupgrade.Error{Code: aksupgrade.ErrBusy, AzureCode: "Conflict", Status: 409, Message: "conflict"},
		},
		{
			name:   "stopped cluster",
			status: 409,
			body:   errBody("OperationNotAllowed", "managed cluster is in Provisioning State(Succeeded) and Power State(Stopped), upgrading cannot be performed"),
			want: aksupgrade.Error{Code: aksupgrade.ErrInvalid, AzureCode: "OperationNotAllowed", Status: 409,
				Message: "managed cluster is in Provisioning State(Succeeded) and Power State(Stopped), upgrading cannot be performed"},
		},
		{
			name:   "etag mismatch",
			status: 412,
			body:   errBody("PreconditionFailed", "Operation is not allowed since the provided etag does not match"),
			want: aksupgrade.Error{Code: aksupgrade.ErrConflict, AzureCode: "PreconditionFailed", Status: 412,
				Message: "Operation is not allowed since the provided etag does not match"},
		},
		{
			name:   "throttled with Retry-After",
			status: 429,
			header: http.Header{"Retry-After": {"17"}},
			body:   errBody("Throttled", "The PutManagedClusterHandler.PUT request limit has been exceeded for SubID='s', please retry again in 17 seconds."),
			want: aksupgrade.Error{Code: aksupgrade.ErrThrottled, AzureCode: "Throttled", Status: 429, RetryAfter: 17 * time.Second,
				Message: "The PutManagedClusterHandler.PUT request limit has been exceeded for SubID='s', please retry again in 17 seconds."},
		},
		{
			name:   "throttled by ARM, Retry-After as a date",
			status: 429,
			header: http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}},
			body:   errBody("OperationNotAllowed", "The server rejected the request because too many requests have been received for this subscription."),
			want: aksupgrade.Error{Code: aksupgrade.ErrThrottled, AzureCode: "OperationNotAllowed", Status: 429, RetryAfter: 90 * time.Second,
				Message: "The server rejected the request because too many requests have been received for this subscription."},
		},
		{
			name:   "quota for surge nodes",
			status: 400,
			body:   errBody("QuotaExceeded", "Operation results in exceeding quota limits of Core. Maximum allowed: 4, Current in use: 4, Additional requested: 2."),
			want: aksupgrade.Error{Code: aksupgrade.ErrQuotaExceeded, AzureCode: "QuotaExceeded", Status: 400,
				Message: "Operation results in exceeding quota limits of Core. Maximum allowed: 4, Current in use: 4, Additional requested: 2."},
		},
		{
			name:   "regional cores quota under another code",
			status: 400,
			body:   errBody("OperationNotAllowed", "Operation could not be completed as it results in exceeding approved Total Regional Cores quota."),
			want: aksupgrade.Error{Code: aksupgrade.ErrQuotaExceeded, AzureCode: "OperationNotAllowed", Status: 400,
				Message: "Operation could not be completed as it results in exceeding approved Total Regional Cores quota."},
		},
		{
			name:   "subnet too small for surge",
			status: 400,
			body:   errBody("InsufficientSubnetSize", "Pre-allocated IPs 93 exceeds IPs available 16 in Subnet Cidr 10.0.0.0/28"),
			want: aksupgrade.Error{Code: aksupgrade.ErrQuotaExceeded, AzureCode: "InsufficientSubnetSize", Status: 400,
				Message: "Pre-allocated IPs 93 exceeds IPs available 16 in Subnet Cidr 10.0.0.0/28"},
		},
		{
			name:   "deprecated API usage (subcode at the top, AKS's unwrapped shape)",
			status: 400,
			body:   `{"code":"ValidationError","message":"Control Plane upgrade is blocked due to recent usage of a Kubernetes API deprecated in the specified version.","subcode":"UpgradeBlockedOnDeprecatedAPIUsage"}`,
			want: aksupgrade.Error{Code: aksupgrade.ErrDeprecatedAPI, AzureCode: "ValidationError", Status: 400,
				Message: "Control Plane upgrade is blocked due to recent usage of a Kubernetes API deprecated in the specified version. (UpgradeBlockedOnDeprecatedAPIUsage)"},
		},
		{
			name:   "minor version skipped",
			status: 400,
			body:   errBody("OperationNotAllowed", "Upgrading Kubernetes version 1.28.12 to 1.30.2 is not allowed. Available upgrades: [1.29.7 1.29.6]. Please see https://aka.ms/aks-supported-k8s-ver for version details."),
			want: aksupgrade.Error{Code: aksupgrade.ErrVersionNotAvailable, AzureCode: "OperationNotAllowed", Status: 400,
				Message: "Upgrading Kubernetes version 1.28.12 to 1.30.2 is not allowed. Available upgrades: [1.29.7 1.29.6]. Please see https://aka.ms/aks-supported-k8s-ver for version details."},
		},
		{
			name:   "version not in region",
			status: 400,
			body:   errBody("AgentPoolK8sVersionNotSupported", "Version 1.20.7 is not supported in this region."),
			want: aksupgrade.Error{Code: aksupgrade.ErrVersionNotAvailable, AzureCode: "AgentPoolK8sVersionNotSupported", Status: 400,
				Message: "Version 1.20.7 is not supported in this region."},
		},
		{
			name:   "not found",
			status: 404,
			body:   errBody("ResourceNotFound", "The Resource 'Microsoft.ContainerService/managedClusters/c' under resource group 'rg' was not found."),
			want: aksupgrade.Error{Code: aksupgrade.ErrNotFound, AzureCode: "ResourceNotFound", Status: 404,
				Message: "The Resource 'Microsoft.ContainerService/managedClusters/c' under resource group 'rg' was not found."},
		},
		{
			name:   "forbidden",
			status: 403,
			body:   errBody("AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/write'."),
			want: aksupgrade.Error{Code: aksupgrade.ErrAuth, AzureCode: "AuthorizationFailed", Status: 403,
				Message: "The client does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/write'."},
		},
		{
			name:   "unauthorized",
			status: 401,
			body:   errBody("InvalidAuthenticationToken", "The access token is invalid."),
			want:   aksupgrade.Error{Code: aksupgrade.ErrAuth, AzureCode: "InvalidAuthenticationToken", Status: 401, Message: "The access token is invalid."},
		},
		{
			name:   "other 400",
			status: 400,
			body:   errBody("InvalidParameter", "The value of parameter orchestratorVersion is invalid."),
			want:   aksupgrade.Error{Code: aksupgrade.ErrInvalid, AzureCode: "InvalidParameter", Status: 400, Message: "The value of parameter orchestratorVersion is invalid."},
		},
		{
			name:   "server error",
			status: 500,
			body:   errBody("InternalServerError", "An internal error occurred."),
			want:   aksupgrade.Error{Code: aksupgrade.ErrInternal, AzureCode: "InternalServerError", Status: 500, Message: "An internal error occurred."},
		},
		{
			name:   "error code only in x-ms-error-code",
			status: 409,
			header: http.Header{"X-Ms-Error-Code": {"OperationNotAllowed"}},
			body:   ``,
			want:   aksupgrade.Error{Code: aksupgrade.ErrBusy, AzureCode: "OperationNotAllowed", Status: 409, Message: "Conflict"},
		},
		{
			name:   "failed operation: drain blocked by a PDB",
			status: 200,
			body:   `{"name":"op","status":"Failed","error":{"code":"UpgradeFailed","message":"Drain node aks-nodepool1-12345678-vmss000000 failed when evicting pod web-1 failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See https://aka.ms/aks/debugdrainfailures."}}`,
			want: aksupgrade.Error{Code: aksupgrade.ErrDrainFailed, AzureCode: "UpgradeFailed", Status: 200,
				Message: "Drain node aks-nodepool1-12345678-vmss000000 failed when evicting pod web-1 failed with Too Many Requests error. This is often caused by a restrictive Pod Disruption Budget (PDB) policy. See https://aka.ms/aks/debugdrainfailures."},
		},
		{
			name:   "failed operation: PodDrainFailure",
			status: 200,
			body:   `{"status":"Failed","error":{"code":"PodDrainFailure","message":"pod could not be drained"}}`,
			want:   aksupgrade.Error{Code: aksupgrade.ErrDrainFailed, AzureCode: "PodDrainFailure", Status: 200, Message: "pod could not be drained"},
		},
		{
			name:   "failed operation: quota",
			status: 200,
			body:   `{"status":"Failed","error":{"code":"QuotaExceeded","message":"Operation results in exceeding quota limits of Core."}}`,
			want:   aksupgrade.Error{Code: aksupgrade.ErrQuotaExceeded, AzureCode: "QuotaExceeded", Status: 200, Message: "Operation results in exceeding quota limits of Core."},
		},
		{
			name:   "failed operation: preempted",
			status: 200,
			body:   `{"status":"Failed","error":{"code":"NotLatestOperation","message":"Cannot proceed with the operation. Either the operation has been preempted by another one."}}`,
			want: aksupgrade.Error{Code: aksupgrade.ErrBusy, AzureCode: "NotLatestOperation", Status: 200,
				Message: "Cannot proceed with the operation. Either the operation has been preempted by another one."},
		},
		{
			name:   "failed operation: unknown reason",
			status: 200,
			body:   `{"status":"Failed","error":{"code":"VMExtensionProvisioningError","message":"VM has reported a failure"}}`,
			want:   aksupgrade.Error{Code: aksupgrade.ErrInternal, AzureCode: "VMExtensionProvisioningError", Status: 200, Message: "VM has reported a failure"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runtime.NewResponseError(armResponse(tt.status, tt.header, tt.body))
			got := classify(fmt.Errorf("wrapped: %w", err), now)
			var e *aksupgrade.Error
			if !errors.As(got, &e) {
				t.Fatalf("classify returned %T %v", got, got)
			}
			if d := cmp.Diff(tt.want, *e); d != "" {
				t.Errorf("classified (-want +got):\n%s", d)
			}
		})
	}
}

func TestClassifyOtherErrors(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		err  error
		want aksupgrade.ErrorCode
	}{
		{"token failure of any credential", &authError{errors.New("no credential")}, aksupgrade.ErrAuth},
		{"azidentity authentication failure", &azidentity.AuthenticationFailedError{}, aksupgrade.ErrAuth},
		{"azidentity credential unavailable, marked", &authError{azidentity.NewCredentialUnavailableError("no az login")}, aksupgrade.ErrAuth},
		{"already classified", errorf(aksupgrade.ErrAlreadyDone, "done"), aksupgrade.ErrAlreadyDone},
		{"transport", errors.New("connection refused"), aksupgrade.ErrInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := aksupgrade.Code(classify(tt.err, now)); got != tt.want {
				t.Errorf("code = %q, want %q", got, tt.want)
			}
		})
	}
	for _, err := range []error{context.Canceled, fmt.Errorf("x: %w", context.DeadlineExceeded), nil} {
		if got := classify(err, now); got != err {
			t.Errorf("classify(%v) = %v, want it unchanged", err, got)
		}
	}
}
