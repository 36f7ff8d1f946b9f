'use strict';
/**
 * <photo-picker purpose="ticket" max="9" bindchange="onPhotos" />
 *
 * Pick pictures (wx.chooseMedia), upload each at once to the company (services.uploadPhoto with the
 * resident's token), show them as thumbnails (tap: preview, ×: remove). A picture the server refuses
 * (too large, not a picture) is dropped and the server's message shown under the grid. Fires `change`
 * with {photoIds, uploading} after every change; a form submits only when `uploading` is 0.
 */
const servicesApi = require('../../services/services');
const { messageOf } = require('../../utils/api');

let seq = 0;

Component({
  options: { addGlobalClass: true },
  properties: {
    purpose: { type: String, value: 'ticket' },
    max: { type: Number, value: 9 },
    label: { type: String, value: '' },
  },
  data: {
    photos: [], // {key, path, id, uploading}
    error: '',
    canAdd: true,
  },
  methods: {
    /** {photoIds, uploading} as the page needs them. */
    value() {
      const photos = this.data.photos;
      return {
        photoIds: photos.filter((p) => p.id).map((p) => p.id),
        uploading: photos.filter((p) => p.uploading).length,
      };
    },

    publish(photos, error) {
      const state = { photos, canAdd: photos.length < this.data.max };
      if (error !== undefined) state.error = error;
      this.setData(state);
      this.triggerEvent('change', this.value());
    },

    async onAdd() {
      const room = this.data.max - this.data.photos.length;
      if (room <= 0) return;
      let files;
      try {
        files = await servicesApi.choosePhotos(room);
      } catch (err) {
        this.publish(this.data.photos, messageOf(err));
        return;
      }
      if (!files.length) return;
      const errors = [];
      const added = [];
      files.forEach((f) => {
        if (f.size > servicesApi.MAX_PHOTO_BYTES) {
          errors.push(servicesApi.UPLOAD_TEXTS.tooLarge);
          return;
        }
        seq += 1;
        added.push({ key: `p${seq}`, path: f.path, id: '', uploading: true });
      });
      this.publish(this.data.photos.concat(added), errors.length ? errors[0] : '');
      await Promise.all(added.map((p) => this.upload(p.key, p.path)));
    },

    async upload(key, path) {
      let photo = null;
      let error = '';
      try {
        photo = await servicesApi.uploadPhoto(path, this.data.purpose);
      } catch (err) {
        error = messageOf(err);
      }
      const photos = this.data.photos
        .filter((p) => p.key !== key || photo)
        .map((p) => (p.key === key ? Object.assign({}, p, { id: photo.id, uploading: false }) : p));
      this.publish(photos, error || this.data.error);
    },

    onRemove(e) {
      const key = e.currentTarget.dataset.key;
      this.publish(this.data.photos.filter((p) => p.key !== key), '');
    },

    onPreview(e) {
      const urls = this.data.photos.map((p) => p.path);
      wx.previewImage({ urls, current: e.currentTarget.dataset.path, fail: () => {} });
    },
  },
});
