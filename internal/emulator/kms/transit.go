package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// The transit engine's cryptographic paths: encrypt, decrypt, rewrap and
// datakey, with the checks, error texts and statuses of OpenBao's
// builtin/logical/transit paths and sdk/helper/keysutil Policy.

// ciphertextPrefix starts every ciphertext; the version number and a colon
// follow it, then the base64 of the nonce and the sealed text.
const ciphertextPrefix = "vault:v"

// errTooOld is keysutil.ErrTooOld.
const errTooOld = "ciphertext or signature version is disallowed by policy (too old)"

// opError is an error of one item: a user error answers 400, an internal
// one 500 (errutil.UserError and errutil.InternalError).
type opError struct {
	msg      string
	internal bool
}

func (e *opError) Error() string { return e.msg }

func userError(format string, a ...any) *opError {
	return &opError{msg: fmt.Sprintf(format, a...)}
}

func internalError(format string, a ...any) *opError {
	return &opError{msg: fmt.Sprintf(format, a...), internal: true}
}

// item is one item of batch_input, or the single request's fields.
type item struct {
	plaintext, ciphertext, context, associatedData, nonce, reference string
	keyVersion                                                       int
	decodedContext, decodedPlaintext                                 []byte
	err                                                              *opError
}

// encryptResult is transit's EncryptBatchResponseItem (encrypt, rewrap).
type encryptResult struct {
	Ciphertext string `json:"ciphertext,omitempty"`
	KeyVersion int    `json:"key_version,omitempty"`
	Error      string `json:"error,omitempty"`
	Reference  string `json:"reference"`
}

// decryptResult is transit's DecryptBatchResponseItem.
type decryptResult struct {
	Plaintext string `json:"plaintext"`
	Error     string `json:"error,omitempty"`
	Reference string `json:"reference"`
}

// errorsBody is an error answer that keeps what the call changed (an
// upsert, an automatic rotation): OpenBao made those before failing.
type errorsBody struct {
	Errors []string `json:"errors"`
}

func failed(e *opError) (int, any, error) {
	if e.internal {
		return http.StatusInternalServerError, errorsBody{Errors: []string{e.msg}}, nil
	}
	return http.StatusBadRequest, errorsBody{Errors: []string{e.msg}}, nil
}

// items reads batch_input, or the single request's fields when there is
// none. op is encrypt, decrypt or rewrap.
func items(params map[string]any, op string) (list []item, batch bool, err error) {
	if raw, ok := params["batch_input"]; ok && raw != nil {
		list, err := decodeBatch(raw, op == "encrypt", op == "decrypt")
		if err != nil {
			// A plain error of the handler: OpenBao answers 500.
			return nil, true, &apiError{status: http.StatusInternalServerError,
				messages: []string{"failed to parse batch input: " + err.Error()}}
		}
		if len(list) == 0 {
			return nil, true, badRequest("missing batch input to process")
		}
		return list, true, nil
	}
	var it item
	var present bool
	if op == "encrypt" {
		if it.plaintext, present, err = stringParam(params, "plaintext"); err != nil {
			return nil, false, err
		} else if !present {
			return nil, false, badRequest("missing plaintext to encrypt")
		}
	} else {
		if it.ciphertext, _, err = stringParam(params, "ciphertext"); err != nil {
			return nil, false, err
		} else if it.ciphertext == "" {
			return nil, false, badRequest("missing ciphertext to decrypt")
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"context", &it.context}, {"associated_data", &it.associatedData}, {"nonce", &it.nonce}} {
		if *f.dst, _, err = stringParam(params, f.name); err != nil {
			return nil, false, err
		}
	}
	if it.keyVersion, _, err = intParam(params, "key_version"); err != nil {
		return nil, false, err
	}
	return []item{it}, false, nil
}

// decodeBatch decodes batch_input as transit's decodeBatchRequestItems
// does, with mapstructure's error texts.
func decodeBatch(raw any, requirePlaintext, requireCiphertext bool) ([]item, error) {
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("source data must be an array or slice, got %s", goType(raw))
	}
	out := make([]item, len(list))
	var problems []string
	for i, elem := range list {
		m, ok := elem.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("[%d] expected a map, got '%s'", i, goType(elem))
		}
		field := func(name string, dst *string, missing string) {
			v, has := m[name]
			switch s, isString := v.(string); {
			case !has && missing != "":
				problems = append(problems, fmt.Sprintf("'[%d].%s' %s", i, name, missing))
			case !has || (v == nil && name != "plaintext"):
			case isString:
				*dst = s
			default:
				problems = append(problems, fmt.Sprintf("'[%d].%s' expected type 'string', got unconvertible type '%s'", i, name, goType(v)))
			}
		}
		plaintextMissing, ciphertextMissing := "", ""
		if requirePlaintext {
			plaintextMissing = "missing plaintext to encrypt"
		}
		if requireCiphertext {
			ciphertextMissing = "missing ciphertext to decrypt"
		}
		field("context", &out[i].context, "")
		field("ciphertext", &out[i].ciphertext, ciphertextMissing)
		field("plaintext", &out[i].plaintext, plaintextMissing)
		field("associated_data", &out[i].associatedData, "")
		field("reference", &out[i].reference, "")
		field("nonce", &out[i].nonce, "")
		switch v := m["key_version"].(type) {
		case nil:
		case float64:
			if v != float64(int(v)) {
				problems = append(problems, fmt.Sprintf(`error decoding json.Number into [%d].key_version: strconv.ParseInt: parsing "%v": invalid syntax`, i, v))
			} else {
				out[i].keyVersion = int(v)
			}
		default:
			problems = append(problems, fmt.Sprintf("'[%d].key_version' expected type 'int', got unconvertible type '%s'", i, goType(v)))
		}
	}
	if len(problems) > 0 {
		for i := range problems {
			problems[i] = "* " + problems[i]
		}
		sort.Strings(problems)
		return nil, fmt.Errorf("%d error(s) decoding:\n\n%s", len(problems), strings.Join(problems, "\n"))
	}
	return out, nil
}

// goType names a JSON value's type as OpenBao's decoder sees it (the
// server decodes numbers as json.Number).
func goType(v any) string {
	switch v.(type) {
	case nil:
		return "<nil>"
	case float64:
		return "json.Number"
	case string:
		return "string"
	case bool:
		return "bool"
	case []any:
		return "[]interface {}"
	default:
		return "map[string]interface {}"
	}
}

// stringParam reads a TypeString field; numbers and booleans convert, as
// the framework's weak decoding does.
func stringParam(params map[string]any, name string) (string, bool, error) {
	v, ok := params[name]
	if !ok {
		return "", false, nil
	}
	switch v := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case float64, bool:
		return fmt.Sprint(v), true, nil
	default:
		return "", false, badRequest(fmt.Sprintf("error converting input %v for field %q", v, name))
	}
}

// decodeItems checks that every item has a context or none does, and
// decodes the contexts (and, for encrypt, the plaintexts) into the items'
// own errors.
func decodeItems(list []item, decodePlaintext bool) error {
	contextSet := list[0].context != ""
	for i := range list {
		if (list[i].context != "") != contextSet {
			return badRequest("context should be set either in all the request blocks or in none")
		}
		if !decodePlaintext && list[i].ciphertext == "" {
			list[i].err = userError("missing ciphertext to decrypt")
			continue
		}
		var err error
		if decodePlaintext {
			if list[i].decodedPlaintext, err = base64.StdEncoding.DecodeString(list[i].plaintext); err != nil {
				list[i].err = userError("%s", err.Error())
				continue
			}
		}
		if list[i].context != "" {
			if list[i].decodedContext, err = base64.StdEncoding.DecodeString(list[i].context); err != nil {
				list[i].err = userError("%s", err.Error())
			}
		}
	}
	return nil
}

// batchStatus is transit's batchRequestResponse: 400 when an item failed
// on its input, else 500 when one failed inside, unless
// partial_failure_response_code overrides it and some items succeeded.
func batchStatus(params map[string]any, successes, userErrors, internalErrors bool) (int, []string, error) {
	if !userErrors && !internalErrors {
		return http.StatusOK, nil, nil
	}
	code := http.StatusInternalServerError
	if userErrors {
		code = http.StatusBadRequest
	}
	override, ok, err := intParam(params, "partial_failure_response_code")
	if err != nil || !ok || !successes {
		return code, nil, err
	}
	if override < 1 || override > 599 {
		return code, []string{fmt.Sprintf("invalid HTTP response code override from partial_failure_response_code, reverting to %d", code)}, nil
	}
	return override, nil, nil
}

// aeadTypes are the key types that take associated data.
func aeadType(keyType string) bool {
	return strings.HasPrefix(keyType, "aes") || keyType == "chacha20-poly1305"
}

func (h *Handler) encrypt(tx store.Tx, req request) (int, any, error) {
	warnings := ignoredWarning("encrypt", req.params)
	list, batch, err := items(req.params, "encrypt")
	if err != nil {
		return 0, nil, err
	}
	if err := decodeItems(list, true); err != nil {
		return 0, nil, err
	}
	k, err := h.load(tx, req.name)
	if err != nil {
		return 0, nil, err
	}
	if k == nil {
		// The path's existence check makes this a create: OpenBao upserts
		// the key, derived when the items carry a context.
		contextSet := list[0].context != ""
		convergent, err := boolParam(req.params, "convergent_encryption")
		if err != nil {
			return 0, nil, err
		}
		if convergent && !contextSet {
			return 0, nil, badRequest("convergent encryption requires derivation to be enabled, so context is required")
		}
		keyType := "aes256-gcm96"
		if v, ok := req.params["type"]; ok && v != nil {
			keyType = fmt.Sprint(v)
		}
		switch keyType {
		case "aes128-gcm96", "aes256-gcm96", "chacha20-poly1305":
		case "ecdsa-p256", "ecdsa-p384", "ecdsa-p521":
			return 0, nil, badRequest(fmt.Sprintf("key type %v not supported for this operation", keyType))
		default:
			return 0, nil, badRequest(fmt.Sprintf("unknown key type %v", keyType))
		}
		if k, err = h.newKey(tx, req.name, keyType, contextSet, convergent, nil); err != nil {
			return 0, nil, err
		}
	}
	results := make([]encryptResult, len(list))
	var successes, userErrors, internalErrors bool
	for i, it := range list {
		if it.err != nil {
			userErrors = true
			results[i].Error = it.err.msg
			continue
		}
		if it.associatedData != "" && !aeadType(k.Type) {
			// OpenBao does not count this one as a user error in a batch.
			results[i].Error = fmt.Sprintf("'[%d].associated_data' provided for non-AEAD cipher suite %v", i, k.Type)
			continue
		}
		ciphertext, ver, opErr := k.encrypt(it.keyVersion, it.decodedContext, nil, it.decodedPlaintext, it.associatedData)
		if opErr != nil {
			internalErrors = internalErrors || opErr.internal
			userErrors = userErrors || !opErr.internal
			results[i].Error = opErr.msg
			continue
		}
		successes = true
		results[i].Ciphertext, results[i].KeyVersion = ciphertext, ver
	}
	if !batch {
		if results[0].Error != "" {
			return failed(&opError{msg: results[0].Error, internal: internalErrors})
		}
		return http.StatusOK, envelope(map[string]any{"ciphertext": results[0].Ciphertext, "key_version": results[0].KeyVersion}, warnings), nil
	}
	for i := range results {
		results[i].Reference = list[i].reference
	}
	status, more, err := batchStatus(req.params, successes, userErrors, internalErrors)
	if err != nil {
		return 0, nil, err
	}
	return status, envelope(map[string]any{"batch_results": results}, append(warnings, more...)), nil
}

func (h *Handler) decrypt(tx store.Tx, req request) (int, any, error) {
	warnings := ignoredWarning("decrypt", req.params)
	list, batch, err := items(req.params, "decrypt")
	if err != nil {
		return 0, nil, err
	}
	if err := decodeItems(list, false); err != nil {
		return 0, nil, err
	}
	k, err := h.load(tx, req.name)
	if err != nil {
		return 0, nil, err
	}
	if k == nil {
		return 0, nil, badRequest("encryption key not found")
	}
	results := make([]decryptResult, len(list))
	var successes, userErrors, internalErrors bool
	for i, it := range list {
		if it.err != nil {
			userErrors = true
			results[i].Error = it.err.msg
			continue
		}
		if it.associatedData != "" && !aeadType(k.Type) {
			results[i].Error = fmt.Sprintf("'[%d].associated_data' provided for non-AEAD cipher suite %v", i, k.Type)
			continue
		}
		nonce, err := base64.StdEncoding.DecodeString(it.nonce)
		if err != nil {
			userErrors = true
			results[i].Error = err.Error()
			continue
		}
		plain, opErr := k.decrypt(it.decodedContext, nonce, it.ciphertext, it.associatedData)
		if opErr != nil {
			internalErrors = internalErrors || opErr.internal
			userErrors = userErrors || !opErr.internal
			results[i].Error = opErr.msg
			continue
		}
		successes = true
		results[i].Plaintext = base64.StdEncoding.EncodeToString(plain)
	}
	if !batch {
		if results[0].Error != "" {
			return failed(&opError{msg: results[0].Error, internal: internalErrors})
		}
		return http.StatusOK, envelope(map[string]any{"plaintext": results[0].Plaintext}, warnings), nil
	}
	for i := range results {
		results[i].Reference = list[i].reference
	}
	status, more, err := batchStatus(req.params, successes, userErrors, internalErrors)
	if err != nil {
		return 0, nil, err
	}
	return status, envelope(map[string]any{"batch_results": results}, append(warnings, more...)), nil
}

// rewrap decrypts and encrypts again, with the latest version or
// key_version. Failed items of a batch answer 200, as in OpenBao; an
// internal failure answers 500 at once.
func (h *Handler) rewrap(tx store.Tx, req request) (int, any, error) {
	warnings := ignoredWarning("rewrap", req.params)
	list, batch, err := items(req.params, "rewrap")
	if err != nil {
		return 0, nil, err
	}
	if err := decodeItems(list, false); err != nil {
		return 0, nil, err
	}
	k, err := h.load(tx, req.name)
	if err != nil {
		return 0, nil, err
	}
	if k == nil {
		return 0, nil, badRequest("encryption key not found")
	}
	results := make([]encryptResult, len(list))
	for i, it := range list {
		if it.err != nil {
			results[i].Error = it.err.msg
			continue
		}
		plain, opErr := k.decrypt(it.decodedContext, nil, it.ciphertext, "")
		if opErr == nil {
			results[i].Ciphertext, results[i].KeyVersion, opErr = k.encrypt(it.keyVersion, it.decodedContext, nil, plain, "")
		}
		switch {
		case opErr != nil && opErr.internal:
			return failed(opErr)
		case opErr != nil:
			results[i].Error = opErr.msg
		}
	}
	if !batch {
		if results[0].Error != "" {
			return failed(userError("%s", results[0].Error))
		}
		return http.StatusOK, envelope(map[string]any{"ciphertext": results[0].Ciphertext, "key_version": results[0].KeyVersion}, warnings), nil
	}
	for i := range results {
		results[i].Reference = list[i].reference
	}
	return http.StatusOK, envelope(map[string]any{"batch_results": results}, warnings), nil
}

// datakey makes a random key of bits bits and answers it encrypted with the
// named key, and in plaintext too on the plaintext path.
func (h *Handler) datakey(tx store.Tx, req request) (int, any, error) {
	warnings := ignoredWarning("datakey", req.params)
	if req.kind != "plaintext" && req.kind != "wrapped" {
		return 0, nil, badRequest("Invalid path, must be 'plaintext' or 'wrapped'")
	}
	var context, nonce []byte
	if raw, _, err := stringParam(req.params, "context"); err != nil {
		return 0, nil, err
	} else if raw != "" {
		if context, err = base64.StdEncoding.DecodeString(raw); err != nil {
			return 0, nil, badRequest("failed to base64-decode context")
		}
	}
	if raw, _, err := stringParam(req.params, "nonce"); err != nil {
		return 0, nil, err
	} else if raw != "" {
		if nonce, err = base64.StdEncoding.DecodeString(raw); err != nil {
			return 0, nil, badRequest("failed to base64-decode nonce")
		}
	}
	bits, given, err := intParam(req.params, "bits")
	if err != nil {
		return 0, nil, err
	}
	if !given {
		bits = 256
	}
	ver, _, err := intParam(req.params, "key_version")
	if err != nil {
		return 0, nil, err
	}
	k, err := h.load(tx, req.name)
	if err != nil {
		return 0, nil, err
	}
	if k == nil {
		return 0, nil, badRequest("encryption key not found")
	}
	if bits != 128 && bits != 256 && bits != 512 {
		return failed(userError("invalid bit length"))
	}
	dataKey := make([]byte, bits/8)
	if _, err := rand.Read(dataKey); err != nil {
		return 0, nil, err
	}
	ciphertext, used, opErr := k.encrypt(ver, context, nonce, dataKey, "")
	if opErr != nil {
		return failed(opErr)
	}
	data := map[string]any{"ciphertext": ciphertext, "key_version": used}
	if req.kind == "plaintext" {
		data["plaintext"] = base64.StdEncoding.EncodeToString(dataKey)
	}
	return http.StatusOK, envelope(data, warnings), nil
}

// encrypt is keysutil's Policy.EncryptWithFactory: it answers the
// ciphertext and the version it used.
func (k *storedKey) encrypt(ver int, context, nonce, plaintext []byte, associatedData string) (string, int, *opError) {
	if !keyTypes[k.Type].encryption {
		return "", 0, userError("message encryption not supported for key type %v", k.Type)
	}
	switch {
	case ver == 0:
		ver = k.LatestVersion
	case ver < 0:
		return "", 0, userError("requested version for encryption is negative")
	case ver > k.LatestVersion:
		return "", 0, userError("requested version for encryption is higher than the latest key version")
	case ver < k.MinEncryptionVersion:
		return "", 0, userError("requested version for encryption is less than the minimum encryption key version")
	}
	var sealed []byte
	switch {
	case aeadType(k.Type):
		if len(nonce) > 0 {
			// Only convergent encryption of version 1 took a nonce; keys
			// made here are of version 3.
			return "", 0, userError("nonce provided when not allowed")
		}
		encBytes, hmacBytes := symmetricKeySize(k.Type), 0
		if k.ConvergentEncryption {
			hmacBytes = 32
		}
		key, opErr := k.getKey(context, ver, encBytes+hmacBytes)
		if opErr != nil {
			return "", 0, opErr
		}
		if len(key) < encBytes+hmacBytes {
			return "", 0, internalError("could not derive key, length too small")
		}
		aead, opErr := newAEAD(k.Type, key[:encBytes])
		if opErr != nil {
			return "", 0, opErr
		}
		ad, err := base64.StdEncoding.DecodeString(associatedData)
		if err != nil {
			return "", 0, internalError("unable to get associated_data/additional_data from factory[0]: %v", err)
		}
		nonce = make([]byte, aead.NonceSize())
		if k.ConvergentEncryption {
			// The same plaintext under the same context gets the same
			// nonce, hence the same ciphertext.
			mac := hmac.New(sha256.New, key[encBytes:])
			mac.Write(plaintext)
			copy(nonce, mac.Sum(nil))
		} else if _, err := rand.Read(nonce); err != nil {
			return "", 0, internalError("%s", err.Error())
		}
		sealed = aead.Seal(nonce, nonce, plaintext, ad)
	case strings.HasPrefix(k.Type, "rsa-"):
		priv, opErr := k.rsaKey(ver)
		if opErr != nil {
			return "", 0, opErr
		}
		var err error
		if sealed, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, &priv.PublicKey, plaintext, nil); err != nil {
			return "", 0, internalError("failed to RSA encrypt the plaintext: %v", err)
		}
	default:
		return "", 0, internalError("unsupported key type %v", k.Type)
	}
	return ciphertextPrefix + strconv.Itoa(ver) + ":" + base64.StdEncoding.EncodeToString(sealed), ver, nil
}

// decrypt is keysutil's Policy.DecryptWithFactory.
func (k *storedKey) decrypt(context, nonce []byte, value, associatedData string) ([]byte, *opError) {
	if !keyTypes[k.Type].encryption {
		return nil, userError("message decryption not supported for key type %v", k.Type)
	}
	rest, ok := strings.CutPrefix(value, ciphertextPrefix)
	if !ok {
		return nil, userError("invalid ciphertext: no prefix")
	}
	verText, encoded, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, userError("invalid ciphertext: wrong number of fields")
	}
	ver, err := strconv.Atoi(verText)
	if err != nil {
		return nil, userError("invalid ciphertext: version number could not be decoded")
	}
	if ver == 0 {
		// The first keys were numbered from 0.
		ver = 1
	}
	if ver > k.LatestVersion {
		return nil, userError("invalid ciphertext: version is too new")
	}
	if k.MinDecryptionVersion > 0 && ver < k.MinDecryptionVersion {
		return nil, userError(errTooOld)
	}
	if len(nonce) > 0 && aeadType(k.Type) {
		return nil, userError("nonce provided when not allowed")
	}
	sealed, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, userError("invalid ciphertext: could not decode base64")
	}
	switch {
	case aeadType(k.Type):
		key, opErr := k.getKey(context, ver, symmetricKeySize(k.Type))
		if opErr != nil {
			return nil, opErr
		}
		if len(key) != symmetricKeySize(k.Type) {
			return nil, internalError("could not derive enc key, length not correct")
		}
		aead, opErr := newAEAD(k.Type, key)
		if opErr != nil {
			return nil, opErr
		}
		ad, err := base64.StdEncoding.DecodeString(associatedData)
		if err != nil {
			return nil, internalError("unable to get associated_data/additional_data from factory[0]: %v", err)
		}
		if len(sealed) < aead.NonceSize() {
			return nil, userError("invalid ciphertext length")
		}
		plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], ad)
		if err != nil {
			// "cipher: message authentication failed": another key's
			// ciphertext, or a tampered one.
			return nil, userError("%s", err.Error())
		}
		return plain, nil
	case strings.HasPrefix(k.Type, "rsa-"):
		priv, opErr := k.rsaKey(ver)
		if opErr != nil {
			return nil, opErr
		}
		plain, err := rsa.DecryptOAEP(sha256.New(), rand.Reader, priv, sealed, nil)
		if err != nil {
			return nil, internalError("failed to RSA decrypt the ciphertext: %v", err)
		}
		return plain, nil
	}
	return nil, internalError("unsupported key type %v", k.Type)
}

// secret is a version's key material.
func (k *storedKey) secret(ver int) ([]byte, *opError) {
	v, ok := k.Versions[strconv.Itoa(ver)]
	if !ok {
		return nil, userError("no such key version")
	}
	raw, err := base64.StdEncoding.DecodeString(v.Secret)
	if err != nil || len(raw) == 0 {
		// A key stored by an emulator that kept no key material.
		return nil, internalError("unable to access the key; no key material for version %d", ver)
	}
	return raw, nil
}

// getKey is keysutil's Policy.GetKey: the version's key, or for a derived
// key the key HKDF-SHA256 derives from it with the context.
func (k *storedKey) getKey(context []byte, ver, numBytes int) ([]byte, *opError) {
	if !k.Derived {
		return k.secret(ver)
	}
	if !keyTypes[k.Type].derivation {
		return nil, userError("derivation not supported for key type %v", k.Type)
	}
	if ver <= 0 || ver > k.LatestVersion {
		return nil, userError("invalid key version")
	}
	if len(context) == 0 {
		return nil, userError("missing 'context' for key derivation; the key was created using a derived key, " +
			"which means additional, per-request information must be included in order to perform operations with the key")
	}
	raw, opErr := k.secret(ver)
	if opErr != nil {
		return nil, opErr
	}
	derived, err := hkdf.Key(sha256.New, raw, nil, string(context), numBytes)
	if err != nil {
		return nil, internalError("error reading returned derived bytes: %v", err)
	}
	return derived, nil
}

func (k *storedKey) rsaKey(ver int) (*rsa.PrivateKey, *opError) {
	der, opErr := k.secret(ver)
	if opErr != nil {
		return nil, opErr
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	priv, ok := parsed.(*rsa.PrivateKey)
	if err != nil || !ok {
		return nil, internalError("unable to parse the RSA key of version %d", ver)
	}
	return priv, nil
}

func newAEAD(keyType string, key []byte) (cipher.AEAD, *opError) {
	if keyType == "chacha20-poly1305" {
		aead, err := chacha20poly1305.New(key)
		if err != nil {
			return nil, internalError("%s", err.Error())
		}
		return aead, nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, internalError("%s", err.Error())
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, internalError("%s", err.Error())
	}
	return gcm, nil
}
