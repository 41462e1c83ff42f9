package ble

// GATT identifiers of the ACR1255U-J1 (manual Table 4; obniz _uuids).
// Discover by these 128-bit UUIDs: the 16-bit handle table of manual V1.01
// Table 5 contradicts them.
const (
	// ServiceUUID is the "Smart Card" service.
	ServiceUUID = "3C4AFFF0-4783-3DE5-A983-D348718EF133"
	// CommandUUID is "Commands Request": the host writes frames here.
	CommandUUID = "3C4AFFF1-4783-3DE5-A983-D348718EF133"
	// ResponseUUID is "Commands Response / Card Notification": the host
	// subscribes to its notifications.
	ResponseUUID = "3C4AFFF2-4783-3DE5-A983-D348718EF133"
	// LocalNamePrefix starts the advertised name of the reader.
	LocalNamePrefix = "ACR1255U-J1-"
)
