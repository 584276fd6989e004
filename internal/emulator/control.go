package emulator

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

const controlPrefix = "/_emulator/"

// Object is one stored document, as the control API shows it.
type Object struct {
	Collection string          `json:"collection"`
	ID         string          `json:"id"`
	Doc        json.RawMessage `json:"doc"`
}

// control serves the control API. Every route but /health needs
// "Authorization: Bearer <admin token>".
//
//	GET    /_emulator/health                       readiness, no token
//	GET    /_emulator/objects[?collection=prefix]  every stored object
//	GET    /_emulator/objects/{collection}/{id}    one object
//	PUT    /_emulator/objects/{collection}/{id}    replace it (drift tests)
//	DELETE /_emulator/objects/{collection}/{id}    delete it out of band
//	GET    /_emulator/calls                        call counts per action
//	DELETE /_emulator/calls                        reset the counts
//	GET    /_emulator/faults                       active fault rules
//	POST   /_emulator/faults                       add a rule (faults.Rule JSON)
//	DELETE /_emulator/faults[/{id}]                remove one or every rule
//	POST   /_emulator/s3/deliver-access-logs       deliver pending S3 access logs now
func (e *Emulator) control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_emulator/health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /_emulator/objects", e.admin(func(w http.ResponseWriter, r *http.Request) {
		prefix := r.URL.Query().Get("collection")
		objects := []Object{}
		_ = e.store.View(func(tx store.Tx) error {
			for _, coll := range tx.Collections() {
				if !strings.HasPrefix(coll, prefix) {
					continue
				}
				for _, it := range tx.List(coll) {
					objects = append(objects, Object{Collection: coll, ID: it.ID, Doc: it.Doc})
				}
			}
			return nil
		})
		writeJSON(w, http.StatusOK, map[string]any{"objects": objects})
	}))
	mux.HandleFunc("GET /_emulator/objects/{collection}/{id}", e.admin(func(w http.ResponseWriter, r *http.Request) {
		var doc []byte
		var ok bool
		_ = e.store.View(func(tx store.Tx) error {
			doc, ok = tx.Get(r.PathValue("collection"), r.PathValue("id"))
			return nil
		})
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such object"})
			return
		}
		writeJSON(w, http.StatusOK, Object{Collection: r.PathValue("collection"), ID: r.PathValue("id"), Doc: doc})
	}))
	mux.HandleFunc("PUT /_emulator/objects/{collection}/{id}", e.admin(func(w http.ResponseWriter, r *http.Request) {
		doc, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil || !json.Valid(doc) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be the object's JSON document"})
			return
		}
		coll, id := r.PathValue("collection"), r.PathValue("id")
		found := false
		err = e.store.Update(func(tx store.Tx) error {
			if _, found = tx.Get(coll, id); !found {
				return nil
			}
			return tx.Put(coll, id, doc)
		})
		switch {
		case err != nil:
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		case !found:
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such object; the control API changes objects, it does not create them"})
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	mux.HandleFunc("DELETE /_emulator/objects/{collection}/{id}", e.admin(func(w http.ResponseWriter, r *http.Request) {
		coll, id := r.PathValue("collection"), r.PathValue("id")
		found := false
		_ = e.store.Update(func(tx store.Tx) error {
			if _, found = tx.Get(coll, id); found {
				return tx.Delete(coll, id)
			}
			return nil
		})
		if !found {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such object"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /_emulator/calls", e.admin(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"calls": e.faults.Counts()})
	}))
	mux.HandleFunc("DELETE /_emulator/calls", e.admin(func(w http.ResponseWriter, _ *http.Request) {
		e.faults.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /_emulator/faults", e.admin(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"faults": e.faults.Rules()})
	}))
	mux.HandleFunc("POST /_emulator/faults", e.admin(func(w http.ResponseWriter, r *http.Request) {
		var rule faults.Rule
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rule); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a fault rule: " + err.Error()})
			return
		}
		added, err := e.faults.Add(rule)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, added)
	}))
	mux.HandleFunc("POST /_emulator/s3/deliver-access-logs", e.admin(func(w http.ResponseWriter, _ *http.Request) {
		n, err := e.s3.DeliverAccessLogs()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"delivered": n})
	}))
	mux.HandleFunc("DELETE /_emulator/faults", e.admin(func(w http.ResponseWriter, _ *http.Request) {
		e.faults.Clear()
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("DELETE /_emulator/faults/{id}", e.admin(func(w http.ResponseWriter, r *http.Request) {
		if !e.faults.Remove(r.PathValue("id")) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such fault rule"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc(controlPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no control route " + r.Method + " " + r.URL.Path})
	})
	return mux
}

// admin guards a control route with the admin token.
func (e *Emulator) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(e.cfg.AdminToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="emulator control API"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{
				"error": "the control API needs Authorization: Bearer <admin token> (printed by the emulator at start)",
			})
			return
		}
		next(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
