package simulator

import (
	"bytes"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// Kubernetes' protobuf encoding of its built-in types
// (kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding):
// the API server sends it to a client whose Accept header prefers
// application/vnd.kubernetes.protobuf, as client-go's controllers ask.
// The simulator does so for objects and lists; Tables, errors (Status)
// and the non-resource paths stay JSON, which client-go reads by the
// response's Content-Type (unverified that kube-apiserver sends errors
// as JSON to such a client: it may encode them as protobuf too).

// wantsProtobuf reports whether, of the media types in accept, in order,
// the first one the simulator serves is protobuf.
func wantsProtobuf(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case runtime.ContentTypeProtobuf:
			return true
		case runtime.ContentTypeJSON, "application/*", "*/*":
			return false
		}
	}
	return false
}

// writeProto sends obj in Kubernetes' protobuf envelope: the "k8s\x00"
// magic, then a runtime.Unknown holding its kind and its bytes.
func writeProto(w http.ResponseWriter, obj runtime.Object) {
	var buf bytes.Buffer
	if err := protobuf.NewSerializer(nil, nil).Encode(obj, &buf); err != nil {
		http.Error(w, "encoding failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", runtime.ContentTypeProtobuf)
	w.WriteHeader(http.StatusOK)
	// The status and headers are sent; a failed body means the client has
	// gone, and there is no one left to tell.
	_, _ = w.Write(buf.Bytes())
}
