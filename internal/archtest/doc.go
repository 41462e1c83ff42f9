// Package archtest holds the architecture test: every package of the module
// imports only the packages its layer allows, so arrows point downward.
package archtest
