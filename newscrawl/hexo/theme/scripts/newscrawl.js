/* global hexo */
'use strict';

// Hexo's core builds only the post pages: the archive's front page lists every post,
// newest first.
hexo.extend.generator.register('newscrawl-index', function (locals) {
  return { path: 'index.html', layout: ['index'], data: { posts: locals.posts.sort('-date') } };
});

// A front-matter category list is one hierarchy to Hexo, and post.categories comes back
// unordered: rebuild the root-to-leaf path (金融 > 新浪财经 > label) from the parent links.
hexo.extend.helper.register('category_path', function (post) {
  var cats = post.categories ? post.categories.toArray() : [];
  var byId = {};
  var isParent = {};
  cats.forEach(function (c) { byId[c._id] = c; if (c.parent) isParent[c.parent] = true; });
  var leaves = cats.filter(function (c) { return !isParent[c._id]; });
  var path = [];
  if (leaves.length === 1) {
    for (var c = leaves[0]; c; c = c.parent ? byId[c.parent] : null) path.unshift(c.name);
  }
  return path;
});
