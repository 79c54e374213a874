package policy

// The types in this file mirror the YAML document one to one. Strings that
// carry typed values (durations, versions) are kept as written so that
// validation can point at them; Parse converts them into Policy.

type fileDoc struct {
	APIVersion    string            `yaml:"apiVersion"`
	Subscriptions []string          `yaml:"subscriptions"`
	Kubernetes    kubernetesDoc     `yaml:"kubernetes"`
	NodeImage     nodeImageDoc      `yaml:"nodeImage"`
	Channels      channelsDoc       `yaml:"channels"`
	Gates         *gatesDoc         `yaml:"gates"`
	Stages        []stageDoc        `yaml:"stages"`
	Notifications *notificationsDoc `yaml:"notifications"`
}

type kubernetesDoc struct {
	Channel       string `yaml:"channel"`
	Version       string `yaml:"version"`
	AllowPreview  bool   `yaml:"allowPreview"`
	MinorUpgrades string `yaml:"minorUpgrades"`
}

type nodeImageDoc struct {
	Channel string `yaml:"channel"`
}

type channelsDoc struct {
	TakeOver             bool   `yaml:"takeOver"`
	NodeOSUpgradeChannel string `yaml:"nodeOSUpgradeChannel"`
}

type stageDoc struct {
	Name            string             `yaml:"name"`
	Selector        selectorDoc        `yaml:"selector"`
	Window          *windowDoc         `yaml:"window"`
	MaxParallel     *int               `yaml:"maxParallel"`
	Soak            string             `yaml:"soak"`
	Approval        approvalDoc        `yaml:"approval"`
	UpgradeSettings upgradeSettingsDoc `yaml:"upgradeSettings"`
	Gates           *gatesDoc          `yaml:"gates"`
}

type selectorDoc struct {
	Tags           map[string]string `yaml:"tags"`
	ResourceGroups []string          `yaml:"resourceGroups"`
	Subscriptions  []string          `yaml:"subscriptions"`
	Clusters       []string          `yaml:"clusters"`
}

// windowDoc is an AKS maintenanceWindow plus name, timeZone and fromCluster.
type windowDoc struct {
	Name            string        `yaml:"name"`
	FromCluster     bool          `yaml:"fromCluster"`
	Schedule        *scheduleDoc  `yaml:"schedule"`
	DurationHours   int           `yaml:"durationHours"`
	StartTime       string        `yaml:"startTime"`
	UTCOffset       string        `yaml:"utcOffset"`
	TimeZone        string        `yaml:"timeZone"`
	StartDate       string        `yaml:"startDate"`
	NotAllowedDates []dateSpanDoc `yaml:"notAllowedDates"`
}

type scheduleDoc struct {
	Daily           *dailyDoc           `yaml:"daily"`
	Weekly          *weeklyDoc          `yaml:"weekly"`
	AbsoluteMonthly *absoluteMonthlyDoc `yaml:"absoluteMonthly"`
	RelativeMonthly *relativeMonthlyDoc `yaml:"relativeMonthly"`
}

type dailyDoc struct {
	IntervalDays int `yaml:"intervalDays"`
}

type weeklyDoc struct {
	IntervalWeeks int    `yaml:"intervalWeeks"`
	DayOfWeek     string `yaml:"dayOfWeek"`
}

type absoluteMonthlyDoc struct {
	IntervalMonths int `yaml:"intervalMonths"`
	DayOfMonth     int `yaml:"dayOfMonth"`
}

type relativeMonthlyDoc struct {
	IntervalMonths int    `yaml:"intervalMonths"`
	WeekIndex      string `yaml:"weekIndex"`
	DayOfWeek      string `yaml:"dayOfWeek"`
}

type dateSpanDoc struct {
	Start string `yaml:"start"`
	End   string `yaml:"end"`
}

type approvalDoc struct {
	Patch     *bool `yaml:"patch"`
	Minor     *bool `yaml:"minor"`
	NodeImage *bool `yaml:"nodeImage"`
}

type upgradeSettingsDoc struct {
	MaxSurge                  string `yaml:"maxSurge"`
	DrainTimeoutInMinutes     *int   `yaml:"drainTimeoutInMinutes"`
	NodeSoakDurationInMinutes *int   `yaml:"nodeSoakDurationInMinutes"`
}

// notificationsDoc is who is told what (see notifications.go).
type notificationsDoc struct {
	ServerURL string            `yaml:"serverURL"`
	Receivers []receiverDoc     `yaml:"receivers"`
	Routes    []routeDoc        `yaml:"routes"`
	Templates map[string]string `yaml:"templates"`
}

type receiverDoc struct {
	Name     string      `yaml:"name"`
	Email    *emailDoc   `yaml:"email"`
	Slack    *urlDoc     `yaml:"slack"`
	Teams    *urlDoc     `yaml:"teams"`
	Webhook  *webhookDoc `yaml:"webhook"`
	Console  *consoleDoc `yaml:"console"`
	Shoutrrr *urlDoc     `yaml:"shoutrrr"`
}

// urlDoc names where a secret URL comes from: an environment variable or
// a file, never the policy itself.
type urlDoc struct {
	URLEnv  string `yaml:"urlEnv"`
	URLFile string `yaml:"urlFile"`
}

type webhookDoc struct {
	URLEnv  string `yaml:"urlEnv"`
	URLFile string `yaml:"urlFile"`
	// HeadersEnv maps a header to the environment variable holding its
	// value.
	HeadersEnv map[string]string `yaml:"headersEnv"`
}

type emailDoc struct {
	Host         string   `yaml:"host"`
	Port         int      `yaml:"port"`
	Username     string   `yaml:"username"`
	PasswordEnv  string   `yaml:"passwordEnv"`
	PasswordFile string   `yaml:"passwordFile"`
	From         string   `yaml:"from"`
	To           []string `yaml:"to"`
	Insecure     bool     `yaml:"insecure"`
}

type consoleDoc struct{}

type routeDoc struct {
	Receiver       string        `yaml:"receiver"`
	Match          matchDoc      `yaml:"match"`
	Continue       bool          `yaml:"continue"`
	GroupBy        []string      `yaml:"groupBy"`
	GroupWait      string        `yaml:"groupWait"`
	RepeatInterval string        `yaml:"repeatInterval"`
	MuteTimes      []muteTimeDoc `yaml:"muteTimes"`
}

type matchDoc struct {
	Kinds      []string `yaml:"kinds"`
	Stages     []string `yaml:"stages"`
	Clusters   []string `yaml:"clusters"`
	Severities []string `yaml:"severities"`
}

type muteTimeDoc struct {
	Weekdays []string `yaml:"weekdays"`
	Start    string   `yaml:"start"`
	End      string   `yaml:"end"`
	TimeZone string   `yaml:"timeZone"`
}
