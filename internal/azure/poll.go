package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksupgrade/aksupgrade"
)

// doneToken is the resume token of an operation that ended when it was
// started.
const doneToken = "aksupgrade:done"

// Poll checks an operation once. It rebuilds the SDK poller from the
// operation's resume token (the Begin* call with the ResumeToken option
// sends nothing) and polls it once, without waiting: a restarted process
// resumes polling where the old one stopped and never issues the step
// again. A failed operation's status has Err set to a classified
// *aksupgrade.Error; a request that could not be made is Poll's error.
func (p *Provider) Poll(ctx context.Context, op aksupgrade.Operation) (aksupgrade.OperationStatus, error) {
	if op.ResumeToken == doneToken {
		return aksupgrade.OperationStatus{State: aksupgrade.OperationSucceeded}, nil
	}
	if op.ResumeToken == "" {
		return aksupgrade.OperationStatus{}, errorf(aksupgrade.ErrInvalid, "operation without a resume token")
	}
	ctx, ref, f, err := p.forCluster(ctx, op.Step.ClusterID)
	if err != nil {
		return aksupgrade.OperationStatus{}, err
	}
	tk := op.ResumeToken
	var poll pollFunc
	switch op.Step.Kind {
	case aksupgrade.StepControlPlane, aksupgrade.StepCluster:
		poll, err = resumed(f.NewManagedClustersClient().BeginCreateOrUpdate(ctx, ref.resourceGroup, ref.name,
			armcontainerservice.ManagedCluster{}, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{ResumeToken: tk}))
	case aksupgrade.StepNodePool:
		poll, err = resumed(f.NewAgentPoolsClient().BeginCreateOrUpdate(ctx, ref.resourceGroup, ref.name, op.Step.Pool,
			armcontainerservice.AgentPool{}, &armcontainerservice.AgentPoolsClientBeginCreateOrUpdateOptions{ResumeToken: tk}))
	case aksupgrade.StepNodeImage:
		poll, err = resumed(f.NewAgentPoolsClient().BeginUpgradeNodeImageVersion(ctx, ref.resourceGroup, ref.name, op.Step.Pool,
			&armcontainerservice.AgentPoolsClientBeginUpgradeNodeImageVersionOptions{ResumeToken: tk}))
	default:
		return aksupgrade.OperationStatus{}, errorf(aksupgrade.ErrInvalid, fmt.Sprintf("unknown step kind %q", op.Step.Kind))
	}
	if err != nil {
		// Begin* with a resume token sends nothing: the token is bad, or
		// belongs to another kind of step.
		return aksupgrade.OperationStatus{}, errorf(aksupgrade.ErrInvalid, fmt.Sprintf("resume token of %s upgrade of %s: %v", describe(op.Step), ref.id, err))
	}
	st, err := poll(ctx)
	if err != nil {
		return aksupgrade.OperationStatus{}, fmt.Errorf("poll %s upgrade of %s: %w", describe(op.Step), ref.id, p.classify(err))
	}
	if st.Err != nil {
		st.Err = fmt.Errorf("%s upgrade of %s: %w", describe(op.Step), ref.id, p.classify(st.Err))
	}
	return st, nil
}

// pollFunc polls a rebuilt poller once.
type pollFunc func(context.Context) (aksupgrade.OperationStatus, error)

// resumed wraps the poller a Begin* call rebuilt from a resume token.
func resumed[T any](poller *runtime.Poller[T], err error) (pollFunc, error) {
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (aksupgrade.OperationStatus, error) { return pollOnce(ctx, poller) }, nil
}

// pollOnce polls once and maps the answer. It never fetches the final
// resource: the state of the operation is all Poll reports.
func pollOnce[T any](ctx context.Context, poller *runtime.Poller[T]) (aksupgrade.OperationStatus, error) {
	resp, err := poller.Poll(ctx)
	if err != nil {
		return aksupgrade.OperationStatus{}, err
	}
	if !poller.Done() {
		return aksupgrade.OperationStatus{State: aksupgrade.OperationInProgress}, nil
	}
	switch state := strings.ToLower(terminalState(resp)); state {
	case "canceled", "cancelled":
		return aksupgrade.OperationStatus{State: aksupgrade.OperationCanceled}, nil
	case "failed":
		// The status body holds the error; Result reads it from the
		// last response without another request.
		_, rerr := poller.Result(ctx)
		if rerr == nil {
			rerr = errors.New("operation failed")
		}
		return aksupgrade.OperationStatus{State: aksupgrade.OperationFailed, Err: rerr}, nil
	}
	return aksupgrade.OperationStatus{State: aksupgrade.OperationSucceeded}, nil
}

// terminalState reads an operation's state from the last polling
// response: "status" of an Azure-AsyncOperation body, else
// properties.provisioningState of a resource body; "" when neither is
// there (a Location poller's final 200 or 204).
func terminalState(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	b, err := runtime.Payload(resp)
	if err != nil || len(b) == 0 {
		return ""
	}
	var doc struct {
		Status     string `json:"status"`
		Properties struct {
			ProvisioningState string `json:"provisioningState"`
		} `json:"properties"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return ""
	}
	return first(doc.Status, doc.Properties.ProvisioningState)
}
