package outscale

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Tags (CreateTags, DeleteTags, ReadTags). A tag lives in its object's
// document, in the object's own Tags, so that whatever reads or deletes the
// object sees or drops its tags too.

// tagInput is a ResourceTag in a request: Key and Value are both required,
// and Value may be empty.
type tagInput struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

// tagsRequest is the body of CreateTags and DeleteTags.
type tagsRequest struct {
	DryRun      bool       `json:"DryRun"`
	ResourceIDs []string   `json:"ResourceIds"`
	Tags        []tagInput `json:"Tags"`
}

func (req tagsRequest) check() ([]resourceTag, error) {
	if len(req.ResourceIDs) == 0 {
		return nil, errMissingParameter("ResourceIds")
	}
	if len(req.Tags) == 0 {
		return nil, errMissingParameter("Tags")
	}
	tags := make([]resourceTag, 0, len(req.Tags))
	for i, t := range req.Tags {
		if t.Key == nil {
			return nil, errMissingParameter(fmt.Sprintf("Tags[%d].Key", i))
		}
		if t.Value == nil {
			return nil, errMissingParameter(fmt.Sprintf("Tags[%d].Value", i))
		}
		// ResourceTag: a key of 1 to 255 characters, a value of 0 to 255.
		if n := len([]rune(*t.Key)); n < 1 || n > 255 {
			return nil, errInvalidValue(fmt.Sprintf("Tags[%d].Key", i), *t.Key, "A tag key has 1 to 255 characters.")
		}
		if len([]rune(*t.Value)) > 255 {
			return nil, errInvalidValue(fmt.Sprintf("Tags[%d].Value", i), *t.Value, "A tag value has at most 255 characters.")
		}
		tags = append(tags, resourceTag{Key: *t.Key, Value: *t.Value})
	}
	return tags, nil
}

// editTags applies edit to the tags of every object of req, all or none.
func (c *call) editTags(req tagsRequest, edit func(current, given []resourceTag) []resourceTag) (any, error) {
	given, err := req.check()
	if err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		for _, id := range req.ResourceIDs {
			k, ok := kindOf(id)
			if !ok {
				return nil, errInvalidValue("ResourceIds", id, "It is not the id of a resource that takes tags.")
			}
			raw, found := tx.Get(k.collection, id)
			var doc rawDoc
			if found {
				if err := json.Unmarshal(raw, &doc); err != nil {
					return nil, fmt.Errorf("decoding %s/%s: %w", k.collection, id, err)
				}
			}
			if !found || doc.owner() != c.account.AccountID {
				return nil, errNotFound(k.idParam, id)
			}
			tags, err := json.Marshal(nonNil(edit(doc.tags(), given)))
			if err != nil {
				return nil, err
			}
			doc["Tags"] = tags
			updated, err := json.Marshal(doc)
			if err != nil {
				return nil, err
			}
			if err := tx.Put(k.collection, id, updated); err != nil {
				return nil, err
			}
		}
		return struct{}{}, nil
	})
}

func createTags(c *call) (any, error) {
	var req tagsRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	// "If a tag with the same key already exists for the resource, the tag
	// value is replaced."
	return c.editTags(req, func(current, given []resourceTag) []resourceTag {
		out := slices.Clone(current)
		for _, t := range given {
			if i := slices.IndexFunc(out, func(o resourceTag) bool { return o.Key == t.Key }); i >= 0 {
				out[i].Value = t.Value
			} else {
				out = append(out, t)
			}
		}
		return out
	})
}

func deleteTags(c *call) (any, error) {
	var req tagsRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	// "If you set a tag value, only the tags matching exactly this value are
	// deleted"; an empty value deletes the key whatever its value.
	return c.editTags(req, func(current, given []resourceTag) []resourceTag {
		return slices.DeleteFunc(slices.Clone(current), func(o resourceTag) bool {
			return slices.ContainsFunc(given, func(t resourceTag) bool {
				return t.Key == o.Key && (t.Value == "" || t.Value == o.Value)
			})
		})
	})
}

// oapiTag is OAPI's Tag: a tag and the resource that carries it.
type oapiTag struct {
	Key          string `json:"Key"`
	ResourceID   string `json:"ResourceId"`
	ResourceType string `json:"ResourceType"`
	Value        string `json:"Value"`
}

func readTags(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			Keys          []string `json:"Keys"`
			ResourceIDs   []string `json:"ResourceIds"`
			ResourceTypes []string `json:"ResourceTypes"`
			Values        []string `json:"Values"`
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return c.view(func(tx store.Tx) (any, error) {
		f := req.Filters
		var found []oapiTag
		for _, k := range kinds {
			if !matches(f.ResourceTypes, k.resourceType) {
				continue
			}
			for _, it := range tx.List(k.collection) {
				var doc rawDoc
				if err := json.Unmarshal(it.Doc, &doc); err != nil || doc.owner() != c.account.AccountID ||
					!matches(f.ResourceIDs, it.ID) {
					continue
				}
				for _, t := range doc.tags() {
					if matches(f.Keys, t.Key) && matches(f.Values, t.Value) {
						found = append(found, oapiTag{Key: t.Key, Value: t.Value, ResourceID: it.ID, ResourceType: k.resourceType})
					}
				}
			}
		}
		sort.SliceStable(found, func(i, j int) bool {
			if found[i].ResourceID != found[j].ResourceID {
				return found[i].ResourceID < found[j].ResourceID
			}
			return strings.Compare(found[i].Key, found[j].Key) < 0
		})
		tags, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			Tags          []oapiTag `json:"Tags"`
			NextPageToken string    `json:"NextPageToken,omitempty"`
		}{tags, next}, nil
	})
}
