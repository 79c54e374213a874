package policy

// The types in this file mirror the YAML document one to one. Strings that
// carry typed values (durations, versions) are kept as written so that
// validation can point at them; Parse converts them into Policy.

type fileDoc struct {
	APIVersion    string        `yaml:"apiVersion"`
	Subscriptions []string      `yaml:"subscriptions"`
	Kubernetes    kubernetesDoc `yaml:"kubernetes"`
	NodeImage     nodeImageDoc  `yaml:"nodeImage"`
	Stages        []stageDoc    `yaml:"stages"`
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

type stageDoc struct {
	Name            string             `yaml:"name"`
	Selector        selectorDoc        `yaml:"selector"`
	Window          *windowDoc         `yaml:"window"`
	MaxParallel     *int               `yaml:"maxParallel"`
	Soak            string             `yaml:"soak"`
	Approval        approvalDoc        `yaml:"approval"`
	UpgradeSettings upgradeSettingsDoc `yaml:"upgradeSettings"`
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
