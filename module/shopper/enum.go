package shopper

// PageType is the kind of page being viewed.
type PageType uint8

// Page types. Unknown is the missing value.
const (
	PageUnknown PageType = iota
	PageHome
	PageCategory
	PageProduct
	PageSearch
	PageCart
	PageCheckout
	PageOther
	numPageTypes
)

// Channel is how the shopper reached the shop.
type Channel uint8

// Channels. Unknown is the missing value.
const (
	ChannelUnknown Channel = iota
	ChannelWeb
	ChannelApp
	ChannelSocial
	ChannelEmail
	ChannelCallCentre
	numChannels
)

// Device is the shopper's device class.
type Device uint8

// Devices. Unknown is the missing value.
const (
	DeviceUnknown Device = iota
	DeviceDesktop
	DeviceMobile
	DeviceTablet
	numDevices
)

// The names below are the wire and JSON spelling of each value. They sit in
// arrays indexed by the constant, sized by the constant count, so adding a
// constant without a name fails to compile instead of drifting.
var (
	pageNames    = [numPageTypes]string{"", "home", "category", "product", "search", "cart", "checkout", "other"}
	channelNames = [numChannels]string{"", "web", "app", "social", "email", "call_centre"}
	deviceNames  = [numDevices]string{"", "desktop", "mobile", "tablet"}
)

func (p PageType) String() string {
	if int(p) < len(pageNames) {
		return pageNames[p]
	}
	return "invalid"
}

func (c Channel) String() string {
	if int(c) < len(channelNames) {
		return channelNames[c]
	}
	return "invalid"
}

func (d Device) String() string {
	if int(d) < len(deviceNames) {
		return deviceNames[d]
	}
	return "invalid"
}

// Valid reports whether p is one of the defined page types.
func (p PageType) Valid() bool { return p < numPageTypes }

// Valid reports whether c is one of the defined channels.
func (c Channel) Valid() bool { return c < numChannels }

// Valid reports whether d is one of the defined devices.
func (d Device) Valid() bool { return d < numDevices }

// ParsePageType returns the page type named s ("" is Unknown).
func ParsePageType(s string) (PageType, bool) { return parseEnum[PageType](pageNames[:], s) }

// ParseChannel returns the channel named s ("" is Unknown).
func ParseChannel(s string) (Channel, bool) { return parseEnum[Channel](channelNames[:], s) }

// ParseDevice returns the device named s ("" is Unknown).
func ParseDevice(s string) (Device, bool) { return parseEnum[Device](deviceNames[:], s) }

// PageTypeNames, ChannelNames and DeviceNames list the valid spellings, for
// error messages and documentation.
func PageTypeNames() []string { return append([]string(nil), pageNames[1:]...) }
func ChannelNames() []string  { return append([]string(nil), channelNames[1:]...) }
func DeviceNames() []string   { return append([]string(nil), deviceNames[1:]...) }

func parseEnum[T ~uint8](names []string, s string) (T, bool) {
	for i, n := range names {
		if n == s {
			return T(i), true
		}
	}
	return 0, false
}
