package eventgrid

import (
	"fmt"
	"mime"
	"strings"
)

// Content types of deliveries.
const (
	ContentTypeJSON             = "application/json"
	ContentTypeCloudEvents      = "application/cloudevents+json"
	ContentTypeCloudEventsBatch = "application/cloudevents-batch+json"
)

// UnsupportedMediaType is a delivery whose content type is neither JSON
// nor CloudEvents in structured or batch mode.
type UnsupportedMediaType struct {
	ContentType string
}

func (e *UnsupportedMediaType) Error() string {
	return fmt.Sprintf("unsupported content type %q: want %s, %s or %s",
		e.ContentType, ContentTypeJSON, ContentTypeCloudEvents, ContentTypeCloudEventsBatch)
}

// mediaKind is what a content type allows.
type mediaKind int

const (
	// mediaJSON: either schema, each event's told by its fields.
	mediaJSON mediaKind = iota
	// mediaCloudEvents: CloudEvents, one object or an array.
	mediaCloudEvents
	// mediaCloudEventsBatch: an array of CloudEvents.
	mediaCloudEventsBatch
)

// mediaKindOf classifies a Content-Type header; none at all is taken as
// JSON.
func mediaKindOf(contentType string) (mediaKind, error) {
	if strings.TrimSpace(contentType) == "" {
		return mediaJSON, nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, &UnsupportedMediaType{ContentType: contentType}
	}
	switch mt {
	case ContentTypeJSON:
		return mediaJSON, nil
	case ContentTypeCloudEvents:
		return mediaCloudEvents, nil
	case ContentTypeCloudEventsBatch:
		return mediaCloudEventsBatch, nil
	}
	return 0, &UnsupportedMediaType{ContentType: contentType}
}
