// Command cccd is the reception agent (`cccd serve`) and the CLI around it:
// it wires readers, the chip reading and verification flow, the local API
// and the sync clients from the configuration, and prints what they return.
package main
